//! Fleets: one profile run against many tenants. A fleet file is CSV with a header
//! row; the `name` column names the tenant and every other column is a variable the
//! profile references as `${COLUMN}`. Each row becomes one target, `<profile>@<name>`,
//! with its own baselines folder. Every row is checked before anything starts, and a
//! problem is reported as `file:line: message` (exit 2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Profile;

/// A fleet file is a list of tenants, not data: 1 MiB is thousands of rows.
const MAX_FLEET_FILE: u64 = 1024 * 1024;
/// Tenant names become folder names and report anchors.
const MAX_NAME: usize = 64;

#[derive(Debug, Clone)]
pub struct Fleet {
    pub path: PathBuf,
    /// The variable columns, in header order (`name` excluded).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line in the fleet file.
    pub line: usize,
    pub name: String,
    pub values: BTreeMap<String, String>,
}

/// Reads and checks a fleet file: header, field counts, tenant names.
pub fn read(path: &Path) -> Result<Fleet, String> {
    let at = |line: usize, message: String| format!("{}:{line}: {message}", path.display());
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("{}: cannot read fleet file: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{}: is not a regular file", path.display()));
    }
    if meta.len() > MAX_FLEET_FILE {
        return Err(format!(
            "{}: is {} bytes; a fleet file is at most {MAX_FLEET_FILE}",
            path.display(),
            meta.len()
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{}: cannot read fleet file: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        at(line, "not valid UTF-8 text".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);

    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(format!(
            "{}: is empty; a fleet file starts with a header row such as `name,TENANT_ID`",
            path.display()
        ));
    };
    let header = split(header).map_err(|e| at(header_line, e))?;
    let mut seen = Vec::new();
    for h in &header {
        if seen.contains(h) {
            return Err(at(header_line, format!("column `{h}` appears twice")));
        }
        seen.push(h.clone());
        if h != "name"
            && (h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(at(
                header_line,
                format!(
                    "column `{h}` is not a variable name (letters, digits and `_`, as the \
                     profile's `${{VAR}}`)"
                ),
            ));
        }
    }
    let Some(name_at) = header.iter().position(|h| h == "name") else {
        return Err(at(
            header_line,
            "the header has no `name` column (the tenant's name in reports and baselines)".into(),
        ));
    };
    let mut rows: Vec<Row> = Vec::new();
    for (line, text) in lines {
        let fields = split(text).map_err(|e| at(line, e))?;
        if fields.len() != header.len() {
            return Err(at(
                line,
                format!(
                    "{} fields where the header has {} columns",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let name = fields[name_at].trim().to_string();
        check_name(&name).map_err(|e| at(line, e))?;
        if let Some(first) = rows.iter().find(|r| r.name == name) {
            return Err(at(
                line,
                format!(
                    "tenant `{name}` is named twice (first on line {})",
                    first.line
                ),
            ));
        }
        let values = header
            .iter()
            .zip(fields)
            .filter(|(h, _)| *h != "name")
            .map(|(h, v)| (h.clone(), v))
            .collect();
        rows.push(Row { line, name, values });
    }
    if rows.is_empty() {
        return Err(at(
            header_line,
            "the fleet has a header but no tenant".into(),
        ));
    }
    Ok(Fleet {
        path: path.to_path_buf(),
        columns: header.into_iter().filter(|h| h != "name").collect(),
        rows,
    })
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the tenant's `name` is empty".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "tenant name `{name}` is longer than {MAX_NAME} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        || name.starts_with('.')
    {
        return Err(format!(
            "tenant name `{name}` may hold only letters, digits, `.`, `_` and `-` (it names a \
             baselines folder), and may not start with `.`"
        ));
    }
    Ok(())
}

/// One CSV record on one line (RFC 4180 quoting: `"a,b"`, `""` for a quote). A quoted
/// field cannot span lines: nothing a tenant row holds needs a newline.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err("text after a closing quote; quote the whole field".into());
                }
            }
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, '"') => {
                return Err("a quote inside an unquoted field; quote the whole field".into());
            }
            (false, ',') => {
                fields.push(finish(std::mem::take(&mut field), was_quoted));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote (a field cannot span lines)".into());
    }
    fields.push(finish(field, was_quoted));
    Ok(fields)
}

fn finish(field: String, quoted: bool) -> String {
    if quoted {
        field
    } else {
        field.trim().to_string()
    }
}

/// Loads `profile_path` once per row (or per row named in `only`): the row's columns
/// resolve the profile's `${VAR}`s first, the environment the rest. A column holding a
/// secret must itself be a `${VAR}` reference: secrets never live in a fleet file.
pub fn profiles(
    fleet: &Fleet,
    profile_path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    only: &[String],
) -> Result<Vec<Profile>, String> {
    for name in only {
        if !fleet.rows.iter().any(|r| &r.name == name) {
            return Err(format!(
                "--tenant {name}: {} has no tenant of that name",
                fleet.path.display()
            ));
        }
    }
    let mut out = Vec::new();
    let mut checked_columns = false;
    for row in &fleet.rows {
        if !only.is_empty() && !only.contains(&row.name) {
            continue;
        }
        let at = |message: String| format!("{}:{}: {message}", fleet.path.display(), row.line);
        let lookup = |var: &str| -> Option<String> {
            match row.values.get(var) {
                Some(v) if super::env::is_reference(v) => {
                    let inner = v.trim().trim_start_matches("${").trim_end_matches('}');
                    env(inner)
                }
                Some(v) if !v.is_empty() => Some(v.clone()),
                _ => env(var),
            }
        };
        let mut profile = super::load_with_env(profile_path, &lookup)
            .map_err(|e| at(format!("tenant `{}`: {e}", row.name)))?;
        if !checked_columns {
            checked_columns = true;
            if let Some(unused) = fleet
                .columns
                .iter()
                .find(|c| !profile.variables.contains(c))
            {
                return Err(format!(
                    "{}:{}: column `{unused}` is not referenced by {} (it references {})",
                    fleet.path.display(),
                    fleet.rows[0].line.saturating_sub(1).max(1),
                    profile_path.display(),
                    if profile.variables.is_empty() {
                        "no variable".to_string()
                    } else {
                        profile
                            .variables
                            .iter()
                            .map(|v| format!("${{{v}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
        }
        for secret in &profile.secret_variables {
            if let Some(v) = row.values.get(secret)
                && !v.is_empty()
                && !super::env::is_reference(v)
            {
                return Err(at(format!(
                    "column `{secret}` holds a secret; write the name of the environment \
                     variable that holds it (`${{ACME_SECRET}}`), never the value"
                )));
            }
        }
        profile.name = format!("{}@{}", profile.name, row.name);
        profile.tenant = Some(row.name.clone());
        out.push(profile);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(text: &str) -> Result<Fleet, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tenants.csv");
        std::fs::write(&path, text).unwrap();
        read(&path).map_err(|e| e.replace(&path.display().to_string(), "F"))
    }

    #[test]
    fn reads_rows_with_quotes_comments_and_crlf() {
        let f =
            fleet("# gateways\r\nname,A,B\r\ngw-1,\"x,y\",\"say \"\"hi\"\"\"\r\n\r\ngw-2, 7 ,\r\n")
                .unwrap();
        assert_eq!(f.columns, ["A", "B"]);
        assert_eq!(f.rows.len(), 2);
        assert_eq!((f.rows[0].line, f.rows[0].name.as_str()), (3, "gw-1"));
        assert_eq!(f.rows[0].values["A"], "x,y");
        assert_eq!(f.rows[0].values["B"], "say \"hi\"");
        assert_eq!(f.rows[1].values["A"], "7");
        assert_eq!(f.rows[1].values["B"], "");
    }

    #[test]
    fn every_problem_names_its_line() {
        for (text, expected) in [
            ("", "F: is empty"),
            ("A,B\n1,2\n", "F:1: the header has no `name` column"),
            ("name,A,A\n", "F:1: column `A` appears twice"),
            (
                "name,bad-col\n",
                "F:1: column `bad-col` is not a variable name",
            ),
            ("name,A\n", "F:1: the fleet has a header but no tenant"),
            (
                "name,A\ngw,1,2\n",
                "F:2: 3 fields where the header has 2 columns",
            ),
            (
                "name,A\ngw,1\ngw,2\n",
                "F:3: tenant `gw` is named twice (first on line 2)",
            ),
            ("name,A\n../x,1\n", "F:2: tenant name `../x` may hold only"),
            ("name,A\n,1\n", "F:2: the tenant's `name` is empty"),
            ("name,A\ngw,\"open\n", "F:2: unterminated quote"),
            ("name,A\ngw,a\"b\n", "F:2: a quote inside an unquoted field"),
            ("name,A\ngw,\"a\"b\n", "F:2: text after a closing quote"),
        ] {
            let err = fleet(text).unwrap_err();
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
        let long = format!("name,A\n{},1\n", "g".repeat(65));
        assert!(fleet(&long).unwrap_err().contains("longer than 64"));
    }

    #[test]
    fn a_non_utf8_file_is_refused_at_its_line() {
        let err = fleet("name,A\ngw,\u{0}\n").map(|_| ());
        assert!(err.is_ok(), "NUL is text");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, b"name,A\ngw,\xff\n").unwrap();
        assert!(
            read(&path)
                .unwrap_err()
                .ends_with(":2: not valid UTF-8 text")
        );
    }
}
