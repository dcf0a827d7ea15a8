//! Where each part of a profile is written, from the YAML parser rather than a text
//! search: the profile text is read a second time into a tree of mappings, sequences
//! and scalars whose every key and value carries the line and column the parser gave
//! it (`serde_saphyr::Spanned`), and errors found after deserialisation ask it for the
//! place of a setting by its key path (`["clients", "jwt", "private_key_file"]`,
//! `["deviations", "3", "id"]`: a sequence entry by its 0-based index).
//!
//! Two places can be asked for, and an error picks one by what it is about:
//! - [`Spans::value`], where a setting's value is written, for an error about the value
//!   itself: fixed by editing the value (a number out of range, a literal where a
//!   `${VAR}` belongs, a key file that cannot be read);
//! - [`Spans::key`], where the key naming the setting is written, for an error about
//!   the setting in relation to something else: a section that needs another setting,
//!   or a name that points at nothing (a deviation's scenario id, `login.user`, an
//!   emulator vendor). A sequence entry has no key: its own place stands in.
//!
//! A `${VAR}` reference is placed within its value by [`Spans::within`].
//!
//! Each answers the place of the deepest part of the path that is written (a defaulted
//! `login.user` is placed at `login`), and nothing when the text cannot be read again
//! (the message then names the file alone). Aliases are placed where they are used
//! (`referenced`), not where their anchor is defined. The tree is never deeper than
//! [`MAX_DEPTH`]: deeper text gives no tree at all, so no input makes it recurse
//! without limit (the parser's own budget, 64 levels, would come after).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// Nesting of mappings and sequences the tree follows. The schema's deepest setting,
/// `emulator.portal_access.<role>[n].practice`, is 5 deep, and text deeper than the
/// schema never deserialises into a profile, so the tree is only read for shallow text;
/// the bound is for [`Spans::parse`] on any text. It is well below the parser's own
/// budget (`Budget::max_depth`, 64) because each level read through `Spanned` takes
/// about 40 KB of stack in a debug build: 12 levels fit in a 2 MB thread.
pub(super) const MAX_DEPTH: usize = 12;

/// A 1-based line and column, and the byte offset of that place when the parser knew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    line: u64,
    column: u64,
    byte: Option<usize>,
}

impl Place {
    fn of(location: &Location) -> Option<Self> {
        // Values buffered by serde lose their place; the parser then says line 0.
        (location.line() > 0 && location.column() > 0).then(|| Place {
            line: location.line(),
            column: location.column(),
            byte: location
                .span()
                .byte_offset()
                .and_then(|b| usize::try_from(b).ok()),
        })
    }

    fn pair(self) -> (u64, u64) {
        (self.line, self.column)
    }
}

#[derive(Clone)]
enum Node {
    /// Entries in the order written: (key, value).
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    /// A scalar, with its text when it can name a key (`None`: null, bytes).
    Scalar(Option<String>),
}

/// The located tree of one profile text.
#[derive(Clone, Default)]
pub(crate) struct Spans {
    root: Option<Spanned<Node>>,
}

impl fmt::Debug for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Spans { .. }")
    }
}

impl Spans {
    /// Reads `text` into a located tree. Text the parser refuses gives an empty tree,
    /// which places nothing.
    pub(crate) fn parse(text: &str) -> Self {
        Self {
            root: serde_saphyr::from_str::<Spanned<Node>>(text).ok(),
        }
    }

    /// Where the value at `path` is written; where the key of its deepest written
    /// part is, when the path goes on beyond what is written.
    pub(crate) fn value(&self, path: &[&str]) -> Option<(u64, u64)> {
        let (walked, key, node) = self.walk(path)?;
        if walked == path.len() {
            Place::of(&node.referenced).map(Place::pair)
        } else {
            key.map(Place::pair)
        }
    }

    /// Where the key naming the setting at `path` is written (a sequence entry: the
    /// entry), or that of its deepest written part.
    pub(crate) fn key(&self, path: &[&str]) -> Option<(u64, u64)> {
        self.walk(path)?.1.map(Place::pair)
    }

    /// Where `value[offset..]` is written, for a part of the scalar at `path` (a
    /// `${VAR}` reference): exact when `text` holds the value's line that part is on
    /// as written at the value's place (plain, quoted without escapes, or the first
    /// line of a block scalar); the value's own place otherwise (an escape, a later
    /// line, an alias), and the key's when the path is not written.
    pub(crate) fn within(
        &self,
        text: &str,
        path: &[&str],
        value: &str,
        offset: usize,
    ) -> Option<(u64, u64)> {
        let (walked, key, node) = self.walk(path)?;
        if walked < path.len() {
            return key.map(Place::pair);
        }
        let start = Place::of(&node.referenced)?;
        let first_line = value.split('\n').next().unwrap_or_default();
        let shift = match (start.byte, first_line.get(..offset)) {
            (Some(at), Some(before)) => {
                let written_at =
                    |b: usize| text.get(b..).is_some_and(|t| t.starts_with(first_line));
                let quoted = text.get(at..).is_some_and(|t| t.starts_with(['"', '\'']));
                let before = before.chars().count() as u64;
                if written_at(at) {
                    before
                } else if quoted && written_at(at + 1) {
                    before + 1
                } else {
                    0
                }
            }
            _ => 0,
        };
        Some((start.line, start.column + shift))
    }

    /// Follows `path` as far as it is written: how many segments matched, the place
    /// of the key (or sequence entry) of the last one matched, and the node reached.
    fn walk(&self, path: &[&str]) -> Option<(usize, Option<Place>, &Spanned<Node>)> {
        let mut node = self.root.as_ref()?;
        let mut key = None;
        for (walked, segment) in path.iter().enumerate() {
            let next = match &node.value {
                Node::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| matches!(&k.value, Node::Scalar(Some(s)) if s == segment))
                    .map(|(k, v)| (Place::of(&k.referenced), v)),
                Node::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|v| (Place::of(&v.referenced), v)),
                Node::Scalar(_) => None,
            };
            match next {
                Some((k, v)) => {
                    key = k;
                    node = v;
                }
                None => return Some((walked, key, node)),
            }
        }
        Some((path.len(), key, node))
    }
}

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One level of nesting being read; refused beyond [`MAX_DEPTH`].
struct Nesting;

impl Nesting {
    fn enter<E: de::Error>() -> Result<Self, E> {
        DEPTH.with(|d| {
            if d.get() >= MAX_DEPTH {
                Err(E::custom("nested too deeply"))
            } else {
                d.set(d.get() + 1);
                Ok(Nesting)
            }
        })
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_char<E: de::Error>(self, v: char) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_string())))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(Some(v)))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Node, E> {
        Ok(Node::Scalar(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let _level = Nesting::enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let _level = Nesting::enter()?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# a comment naming clients: and secret: first
name: demo
clients:
  public:
    id: app-1
  jwt:
    id: \"x-${ID}\"
    secret: ${S}
list:
  - a
  - k: v
    other: w
";

    #[test]
    fn keys_and_values_are_placed_by_path() {
        let s = Spans::parse(TEXT);
        assert_eq!(s.key(&["name"]), Some((2, 1)));
        assert_eq!(s.value(&["name"]), Some((2, 7)));
        assert_eq!(s.key(&["clients", "jwt"]), Some((6, 3)));
        assert_eq!(s.value(&["clients", "jwt", "secret"]), Some((8, 13)));
        assert_eq!(
            s.key(&["list", "1"]),
            Some((11, 5)),
            "an entry stands for its key"
        );
        assert_eq!(s.key(&["list", "1", "other"]), Some((12, 5)));
        assert_eq!(s.value(&["list", "0"]), Some((10, 5)));
    }

    #[test]
    fn a_path_not_written_is_placed_at_its_deepest_written_key() {
        let s = Spans::parse(TEXT);
        assert_eq!(s.key(&["clients", "public", "secret"]), Some((4, 3)));
        assert_eq!(s.value(&["clients", "public", "secret"]), Some((4, 3)));
        assert_eq!(s.key(&["list", "7"]), Some((9, 1)));
        assert_eq!(s.key(&["list", "x"]), Some((9, 1)));
        assert_eq!(s.key(&["nowhere"]), None, "nothing of the path is written");
    }

    #[test]
    fn a_reference_is_placed_inside_its_value() {
        let s = Spans::parse(TEXT);
        assert_eq!(
            s.within(TEXT, &["clients", "jwt", "secret"], "${S}", 0),
            Some((8, 13))
        );
        // Quoted: past the quote and the `x-` before the reference.
        assert_eq!(
            s.within(TEXT, &["clients", "jwt", "id"], "x-${ID}", 2),
            Some((7, 12))
        );
        let block = "a: |\n  x ${B}\n  ${C}\n";
        let s = Spans::parse(block);
        let value = "x ${B}\n${C}\n";
        assert_eq!(s.within(block, &["a"], value, 2), Some((2, 5)));
        assert_eq!(
            s.within(block, &["a"], value, 7),
            Some((2, 3)),
            "a later line: its value"
        );
        let escaped = "a: \"\\t${B}\"\n";
        let s = Spans::parse(escaped);
        assert_eq!(
            s.within(escaped, &["a"], "\t${B}", 1),
            Some((1, 4)),
            "an escape: its value"
        );
    }

    #[test]
    fn unreadable_or_hostile_text_places_nothing_and_never_panics() {
        for text in [
            "",
            "[unclosed",
            "a: b\na: c\n",
            "- just\n- a list\n",
            "? [complex, key]\n: value\n",
            "!tag x: !other y\n",
            "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n",
        ] {
            let s = Spans::parse(text);
            let _ = (s.key(&["a", "b"]), s.value(&["c", "b"]), s.key(&["0"]));
        }
        // Tags, complex and non-string keys are read; a complex key names no path.
        let s = Spans::parse("!tag x: !other y\n? [complex, key]\n: value\n1: a\n");
        assert_eq!(s.key(&["x"]), Some((1, 6)), "after the tag");
        assert_eq!(s.value(&["x"]), Some((1, 16)));
        assert_eq!(s.key(&["1"]), Some((4, 1)));
        assert_eq!(s.key(&["complex"]), None);
        let deep = format!("a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(Spans::parse(&deep).key(&["a"]), None);
        let block: String = (0..200)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect();
        assert_eq!(Spans::parse(&block).key(&["k"]), None);
    }

    #[test]
    fn nesting_up_to_the_limit_is_read_and_beyond_it_refused() {
        // The top mapping is one level: MAX_DEPTH - 1 flow sequences inside it.
        let nested = |n: usize| format!("a: {}x{}\n", "[".repeat(n), "]".repeat(n));
        let s = Spans::parse(&nested(MAX_DEPTH - 1));
        assert_eq!(s.key(&["a"]), Some((1, 1)));
        let inner: Vec<String> = std::iter::repeat_n("0".to_string(), MAX_DEPTH - 1).collect();
        let mut path = vec!["a"];
        path.extend(inner.iter().map(String::as_str));
        assert_eq!(
            s.value(&path),
            Some((1, 4 + MAX_DEPTH as u64 - 1)),
            "the innermost scalar, after `a: ` and the brackets"
        );
        assert_eq!(Spans::parse(&nested(MAX_DEPTH)).key(&["a"]), None);
    }

    #[test]
    fn aliases_and_merges_are_placed_where_they_are_used() {
        let text =
            "base: &b\n  id: one\nclients:\n  public: *b\n  other:\n    <<: *b\n    auth: none\n";
        let s = Spans::parse(text);
        assert_eq!(s.value(&["clients", "public"]), Some((4, 11)));
        assert!(s.key(&["clients", "other", "id"]).is_some());
        assert_eq!(s.key(&["clients", "other", "auth"]), Some((7, 5)));
    }
}
