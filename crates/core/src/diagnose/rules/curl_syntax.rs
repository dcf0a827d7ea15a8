//! LINT-C10: shell syntax that breaks a pasted curl command (the notes the parser
//! recorded), and LINT-C3 for a paste that is only a fragment of one.

use std::collections::BTreeMap;

use crate::diagnose::curl::{NoteKind, Parsed};
use crate::diagnose::finding::{Finding, Location};

pub fn check(parsed: &Parsed, source: &str, out: &mut Vec<Finding>) {
    // `\ ` repeats along a flattened line: one finding per line, with the count.
    let mut per_line: BTreeMap<usize, (Location, usize)> = BTreeMap::new();
    for note in &parsed.notes {
        let at = Location::of(source, note.span.0, note.span.1);
        match note.kind {
            NoteKind::BackslashSpace => {
                if let Some(loc) = at {
                    per_line.entry(loc.line).or_insert((Location { len: 2, ..loc }, 0)).1 += 1;
                }
            }
            NoteKind::SpaceAfterFinalBackslash => out.push(
                Finding::error("LINT-C10", "\\ ", at)
                    .why("Spaces follow the line's final backslash, so the shell reads `\\ ` as a literal space and ends the command at the line break: the following lines never reach curl (LINT-C10).")
                    .fix("Delete the spaces after the backslash: it must be the last character of the line."),
            ),
            NoteKind::BlankAfterContinuation if !parsed.fragment => out.push(
                Finding::warning("LINT-C10", "empty line", at)
                    .why("An empty line follows a `\\` continuation; a shell ends the command at the empty line and runs the rest as a separate command (often a forum's paragraph spacing) (LINT-C10).")
                    .fix("Remove the empty lines inside the command."),
            ),
            NoteKind::BlankAfterContinuation => {}
            NoteKind::MissingBackslash => out.push(
                Finding::error("LINT-C10", "line break", at)
                    .why("This line ends without a `\\`, so the shell runs the next line of options as a separate command and curl never sees them (LINT-C10).")
                    .fix("End every line of the command but the last with ` \\`."),
            ),
            NoteKind::TypographicQuote => out.push(
                Finding::error("LINT-C10", source.get(note.span.0..note.span.1).unwrap_or("‘"), at)
                    .why("Typographic quotes (‘ ’ “ ”), as word processors and forums write them, are not quotes to the shell: they end up inside the values (LINT-C10).")
                    .fix("Replace them with straight quotes ' or \"."),
            ),
            NoteKind::UnquotedAmpersand => out.push(
                Finding::error("LINT-C10", "&", at)
                    .why("An unquoted `&` in the URL makes the shell run curl in the background with the URL cut at the `&`; the parameters after it are lost (LINT-C10).")
                    .fix("Put the URL in single quotes."),
            ),
        }
    }
    for (line, (loc, count)) in per_line {
        let times = if count == 1 {
            "once".to_string()
        } else {
            format!("{count} times")
        };
        out.push(
            Finding::error("LINT-C10", "\\ ", Some(loc))
                .why(format!("A backslash continues a command only as the last character of a line; on line {line} it is followed by a space and more text ({times}), so the shell passes a literal space as an argument and the options after it are mangled: the command does not run as written (LINT-C10)."))
                .fix("Either put each option on its own line ending in ` \\`, or delete the backslashes and keep the command on one line."),
        );
    }
    if parsed.fragment {
        let no_url = parsed.requests.iter().all(|r| r.url.is_none());
        out.push(
            Finding::warning("LINT-C3", "(fragment)", None)
                .why(format!(
                    "The paste is a fragment of a curl command (no `curl`{}), so it cannot be run as is and may not be the request that failed (LINT-C3).",
                    if no_url { ", no URL: the tenant and host rules had nothing to check" } else { "" }
                ))
                .fix("Share the whole command: `curl`, the URL, the method, client authentication (secret masked), and every parameter."),
        );
    }
}
