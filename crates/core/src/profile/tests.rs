use std::path::Path;

use super::*;

const GOOD: &str = r#"vendor: generic
environment: preview
base_url: https://idp.example.test
endpoints:
  authorize: /oauth2/v1/authorize
  token: /oauth2/v1/token
redirect_uri: https://app.example.test/cb
scopes:
  default: openid
clients:
  confidential:
    id: app-1
    secret: ${APP_SECRET}
    auth: client_secret_post
users:
  patient:
    username: ${USER_NAME}
    password: ${USER_PASSWORD}
login:
  method: form
"#;

fn env(name: &str) -> Option<String> {
    match name {
        "APP_SECRET" => Some("s3cr3t-value".into()),
        "USER_NAME" => Some("pat@example.test".into()),
        "USER_PASSWORD" => Some("pa55word-value".into()),
        _ => None,
    }
}

fn parse_str(text: &str) -> Result<Profile, ProfileError> {
    parse(Path::new("profiles/demo.yaml"), text, &env)
}

#[test]
fn loads_and_resolves_references() {
    let p = parse_str(GOOD).expect("valid profile");
    assert_eq!(p.name, "demo");
    assert_eq!(
        p.spec.clients[&ClientRole::Confidential].secret.as_deref(),
        Some("s3cr3t-value")
    );
    assert_eq!(p.spec.users["patient"].username, "pat@example.test");
    assert!(p.secrets.contains(&"s3cr3t-value".to_string()));
    assert!(p.secrets.contains(&"pa55word-value".to_string()));
}

/// A client role the features do not know would only leave scenarios skipped for a
/// missing client: it is refused where it is written, naming the roles there are.
#[test]
fn an_unknown_client_role_is_refused_at_its_place() {
    let text = GOOD.replace("  confidential:\n", "  confidental:\n");
    let e = parse_str(&text).unwrap_err();
    assert_eq!((e.line, e.column), (Some(11), Some(3)), "{e}");
    assert!(e.message.contains("confidental"), "{e}");
    assert!(e.message.contains("confidential_basic"), "{e}");
}

#[test]
fn a_misspelled_field_names_file_line_and_column() {
    let text = GOOD.replace("  token: /oauth2/v1/token", "  tokn: /oauth2/v1/token");
    let e = parse_str(&text).unwrap_err();
    assert_eq!(e.file, Path::new("profiles/demo.yaml"));
    assert_eq!((e.line, e.column), (Some(6), Some(3)), "{e}");
    assert!(e.message.contains("tokn"), "{e}");
    assert!(e.to_string().starts_with("profiles/demo.yaml:6:3: "), "{e}");
}

#[test]
fn a_wrong_type_names_its_location() {
    let text = GOOD.replace("  default: openid", "  default: [openid]");
    let e = parse_str(&text).unwrap_err();
    assert_eq!(e.line, Some(9), "{e}");
    assert!(e.column.is_some(), "{e}");
}

#[test]
fn an_unknown_enum_value_names_its_location() {
    let text = GOOD.replace(
        "    auth: client_secret_post",
        "    auth: client_secret_jwt",
    );
    let e = parse_str(&text).unwrap_err();
    assert_eq!(e.line, Some(14), "{e}");
    assert!(
        e.message.starts_with("unknown variant `client_secret_jwt`"),
        "{e}"
    );
}

#[test]
fn malformed_yaml_is_located() {
    let e = parse_str("vendor: generic\nendpoints: [unclosed\n").unwrap_err();
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn a_missing_variable_is_named_where_it_is_referenced() {
    let text = GOOD.replace("${APP_SECRET}", "${NOT_SET_ANYWHERE}");
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("NOT_SET_ANYWHERE"), "{e}");
    assert_eq!((e.line, e.column), (Some(13), Some(13)), "{e}");
}

#[test]
fn a_literal_secret_is_refused_without_echoing_it() {
    let text = GOOD.replace("${APP_SECRET}", "hunter2-literal");
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("clients.confidential.secret"), "{e}");
    assert!(!e.message.contains("hunter2-literal"), "{e}");
    assert_eq!(e.line, Some(13), "{e}");
}

#[test]
fn a_wrong_type_for_a_secret_does_not_echo_it() {
    // The value stays a reference until after parsing, so even a type error on a
    // neighbouring field cannot carry a resolved secret into the message.
    let text = GOOD.replace("    auth: client_secret_post", "    auth: [${APP_SECRET}]");
    let e = parse_str(&text).unwrap_err();
    assert!(!e.to_string().contains("s3cr3t-value"), "{e}");
}

#[test]
fn emulated_profiles_generate_unset_secrets() {
    let text = GOOD
        .replace(
            "environment: preview",
            "environment: emulated\nemulator:\n  vendor: reference",
        )
        .replace("${APP_SECRET}", "${EMU_ONLY_SECRET}");
    let p = parse_str(&text).expect("emulated profile");
    let secret = p.spec.clients[&ClientRole::Confidential]
        .secret
        .clone()
        .unwrap();
    assert_eq!(secret.len(), 32);
    assert_eq!(p.generated_vars, vec!["EMU_ONLY_SECRET".to_string()]);
}

#[test]
fn an_unknown_emulator_is_refused() {
    let text = GOOD.replace(
        "environment: preview",
        "environment: emulated\nemulator:\n  vendor: epic",
    );
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("epic"), "{e}");
    assert_eq!(e.line, Some(4), "{e}");
}

#[test]
fn a_location_skips_values_named_in_comments() {
    let text = format!(
        "# profile for the epic tenant\n{}",
        GOOD.replace(
            "environment: preview",
            "environment: emulated\nemulator:\n  vendor: epic",
        )
    );
    let e = parse_str(&text).unwrap_err();
    assert_eq!(e.line, Some(5), "{e}");
}

#[test]
fn shipped_profiles_parse() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    for path in list(root).unwrap() {
        let r = load_with_env(&path, &|_| Some("x-value-for-test".into()));
        assert!(r.is_ok(), "{}: {}", path.display(), r.unwrap_err());
    }
}

#[test]
fn a_private_key_jwt_client_needs_a_readable_rsa_key() {
    let jwt = |extra: &str| {
        GOOD.replace(
            "users:",
            &format!("  jwt:\n    id: app-2\n    auth: private_key_jwt\n{extra}users:"),
        )
    };
    let e = parse_str(&jwt("")).unwrap_err();
    assert!(e.message.contains("private_key_file"), "{e}");
    assert_eq!(e.line, Some(15), "{e}");

    let e = parse_str(&jwt("    private_key_file: no-such.pem\n    key_id: k1\n")).unwrap_err();
    assert!(e.message.contains("cannot read"), "{e}");
    assert_eq!((e.line, e.column), (Some(18), Some(23)), "{e}");

    // A key file that is not a key: refused without echoing its content.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.pem"), "SECRET-LOOKING-TEXT").expect("write");
    let text = jwt("    private_key_file: bad.pem\n    key_id: k1\n");
    let e = parse(&dir.path().join("p.yaml"), &text, &env).unwrap_err();
    assert!(
        e.message.contains("not") && !e.message.contains("SECRET-LOOKING"),
        "{e}"
    );

    let keys = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("profiles/keys");
    std::fs::copy(keys.join("test-client.pem"), dir.path().join("good.pem")).expect("copy");
    let text = jwt("    private_key_file: good.pem\n    key_id: k1\n");
    let p = parse(&dir.path().join("p.yaml"), &text, &env).expect("valid");
    let key = p.spec.clients[&ClientRole::Jwt]
        .assertion_key
        .as_ref()
        .expect("key loaded");
    assert_eq!(key.public_jwk().expect("jwk")["kid"], "k1");
}

#[test]
fn settings_out_of_range_are_refused_where_they_are_written() {
    let cases = [
        ("rate_limit:\n  per_minute: 0\n", "per_minute", 22),
        (
            "rate_limit:\n  token_per_minute: 0\n",
            "token_per_minute",
            22,
        ),
        ("rate_limit: {}\n", "names no limit", 21),
        (
            "rate_limit:\n  token_per_minute: 5\n  code_lifetime_secs: 5\n",
            "code_lifetime_secs",
            23,
        ),
        (
            "rate_limit:\n  per_minute: 5\n  code_lifetime_secs: 601\n",
            "code_lifetime_secs",
            23,
        ),
        (
            "emulator:\n  vendor: reference\n  latency_ms: 10001\n",
            "latency_ms",
            23,
        ),
        ("timeouts:\n  request_secs: 0\n", "request_secs", 22),
        ("timeouts:\n  run_secs: 0\n", "run_secs", 22),
        ("limits:\n  max_body_bytes: 10\n", "max_body_bytes", 22),
        ("features: [../secrets]\n", "features", 21),
        ("features: [/etc]\n", "features", 21),
        ("name: ../../escape\n", "name", 21),
        // GOOD ends inside `login:`.
        ("  sessions: 0\n", "login.sessions", 21),
        ("  flows_per_session: 65\n", "login.flows_per_session", 21),
    ];
    for (extra, what, line) in cases {
        let e = parse_str(&format!("{GOOD}{extra}")).unwrap_err();
        assert!(e.message.contains(what), "{extra}: {e}");
        assert_eq!(e.line, Some(line), "{extra}: {e}");
    }
    let ok = parse_str(&format!(
        "{GOOD}timeouts:\n  request_secs: 5\nlimits:\n  max_body_bytes: 4096\n\
         rate_limit:\n  token_per_minute: 5\n"
    ))
    .expect("valid settings");
    assert_eq!(
        ok.spec.rate_limit.unwrap().code_lifetime_secs,
        60,
        "documented default"
    );
    assert_eq!(
        ok.spec.timeouts.unwrap().run_secs,
        1800,
        "documented default"
    );
    assert_eq!(
        (ok.spec.login.sessions, ok.spec.login.flows_per_session),
        (4, 1),
        "documented defaults"
    );
}

#[test]
fn files_that_are_not_profiles_are_named_as_such_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(dir.path()).unwrap_err();
    assert!(e.message.contains("is a directory"), "{e}");
    let fifo = dir.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let e = load(&fifo).unwrap_err();
        assert!(e.message.contains("not a regular file"), "{e}");
    }
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, b"vendor: generic\nname: caf\xe9\n").unwrap();
    let e = load(&bad).unwrap_err();
    assert_eq!((e.line, e.column), (Some(2), Some(10)), "{e}");
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn a_key_file_that_is_a_device_is_refused_before_reading() {
    let text = GOOD.replace(
        "    auth: client_secret_post\n",
        "    auth: client_secret_post\n  jwt:\n    id: app-2\n    auth: private_key_jwt\n    private_key_file: /dev/zero\n    key_id: k1\n",
    );
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("not a PEM key file"), "{e}");
}

#[test]
fn parser_limits_are_said_in_a_profile_writer_s_words() {
    let e = parse_str(&format!("{GOOD}vendor: generic\n")).unwrap_err();
    assert!(!e.message.contains("DuplicateKeyPolicy"), "{e}");
    assert!(e.message.contains("twice"), "{e}");
    let deep = format!("{GOOD}x: {}{}\n", "[".repeat(3000), "]".repeat(3000));
    let e = parse_str(&deep).unwrap_err();
    assert!(
        !e.message.contains("budget") && !e.message.contains("Nodes {"),
        "{e}"
    );
}

#[test]
fn a_default_stands_in_for_an_unset_variable_but_never_for_a_secret() {
    let text = GOOD.replace(
        "base_url: https://idp.example.test",
        "base_url: ${IDP_BASE_URL:-https://idp.example.test}",
    );
    let p = parse_str(&text).unwrap();
    assert_eq!(p.spec.base_url.as_deref(), Some("https://idp.example.test"));
    let set = |name: &str| match name {
        "IDP_BASE_URL" => Some("http://127.0.0.1:9".into()),
        other => env(other),
    };
    let p = parse(Path::new("profiles/demo.yaml"), &text, &set).unwrap();
    assert_eq!(p.spec.base_url.as_deref(), Some("http://127.0.0.1:9"));
    let text = GOOD.replace("${APP_SECRET}", "${APP_SECRET:-hunter2-default}");
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("cannot have a default"), "{e}");
    assert!(!e.message.contains("hunter2-default"), "{e}");
}

#[test]
fn an_emulator_part_that_cannot_be_left_out_is_refused_at_load() {
    let text = GOOD.replace(
        "environment: preview\nbase_url: https://idp.example.test\n",
        "environment: emulated\nemulator:\n  vendor: reference\n  without: [openid, refresh]\n",
    );
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("without: refresh"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

// Places come from the parser, not from a search of the text: each case below was
// placed at an earlier occurrence of the same text when errors searched for it.

/// A client that needs something is placed at its role's key, even when the role's
/// name followed by `:` is written earlier, here as a host name with a port.
#[test]
fn a_client_role_is_placed_at_its_key_not_at_an_earlier_value() {
    let text = GOOD
        .replace(
            "base_url: https://idp.example.test",
            "base_url: https://confidential:8443",
        )
        .replace("    secret: ${APP_SECRET}\n", "");
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("clients.confidential.secret"), "{e}");
    assert_eq!((e.line, e.column), (Some(11), Some(3)), "{e}");
}

/// A literal secret or password is placed at its own value, not at another field
/// written earlier with the same value.
#[test]
fn a_literal_secret_is_placed_at_itself_not_at_an_equal_value() {
    let e = parse_str(&GOOD.replace("${APP_SECRET}", "app-1")).unwrap_err();
    assert!(e.message.contains("clients.confidential.secret"), "{e}");
    assert_eq!((e.line, e.column), (Some(13), Some(13)), "{e}");

    let text = GOOD
        .replace("${USER_NAME}", "pat-1")
        .replace("${USER_PASSWORD}", "pat-1");
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("users.patient.password"), "{e}");
    assert_eq!((e.line, e.column), (Some(18), Some(15)), "{e}");
}

/// A deviation is placed by its index: the second one's `id:`, though the first one's
/// id begins with the same text.
#[test]
fn the_second_deviation_is_placed_at_its_own_id() {
    let text = format!(
        "{GOOD}deviations:
  - id: code-single-use-v2
    expected: x
    reason: y
  - reason: the id need not come first
    id: code-single-use
    expected: x
"
    );
    let p = parse_str(&text).expect("valid profile");
    assert_eq!(
        p.place_of(&["deviations", "1", "id"]),
        "profiles/demo.yaml:26:5"
    );
    assert_eq!(
        p.place_of(&["deviations", "0", "id"]),
        "profiles/demo.yaml:22:5"
    );
    // Not written: the deepest part that is (the second entry), then the file alone.
    assert_eq!(
        p.place_of(&["deviations", "1", "check"]),
        "profiles/demo.yaml:25:5"
    );
    assert_eq!(p.place_of(&["nowhere"]), "profiles/demo.yaml");
}

/// A key's name, or a `${VAR}`, inside an earlier string value does not take the
/// place of the real one.
#[test]
fn a_key_or_reference_inside_a_string_is_not_taken_for_the_real_one() {
    let text = GOOD.replace(
        "base_url: https://idp.example.test",
        "description: \"endpoints: see the vendor's console\"",
    );
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("a live profile needs"), "{e}");
    assert_eq!((e.line, e.column), (Some(4), Some(1)), "{e}");

    let text = GOOD
        .replace(
            "base_url: https://idp.example.test",
            "base_url: https://idp.example.test\ndescription: \"needs ${NOT_SET_HOST}\"",
        )
        .replace(
            "redirect_uri: https://app.example.test/cb",
            "redirect_uri: https://${NOT_SET_HOST}/cb",
        );
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("NOT_SET_HOST"), "{e}");
    assert_eq!((e.line, e.column), (Some(8), Some(23)), "{e}");
}

/// A list entry is placed at itself, not at its list's key or at equal text earlier.
#[test]
fn list_entries_are_placed_one_by_one() {
    let text = format!("{GOOD}description: ../shared\nfeatures: [oauth2, ../shared]\n");
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("features"), "{e}");
    assert_eq!((e.line, e.column), (Some(22), Some(20)), "{e}");

    let text = GOOD.replace(
        "environment: preview\nbase_url: https://idp.example.test\n",
        "environment: emulated\nemulator:\n  vendor: reference\n  without:\n    - openid\n    - refresh\n",
    );
    let e = parse_str(&text).unwrap_err();
    assert!(e.message.contains("without: refresh"), "{e}");
    assert_eq!((e.line, e.column), (Some(7), Some(7)), "{e}");
}

/// `login.user` naming no user is placed at `login.user` when written, at `login`
/// when the default is in force.
#[test]
fn a_login_user_naming_no_user_is_placed_at_its_key_or_at_login() {
    let e = parse_str(&format!("{GOOD}  user: admin\n")).unwrap_err();
    assert!(e.message.contains("`admin`"), "{e}");
    assert_eq!((e.line, e.column), (Some(21), Some(3)), "{e}");

    let e = parse_str(&GOOD.replace("  patient:\n", "  nurse:\n")).unwrap_err();
    assert!(e.message.contains("`patient`"), "{e}");
    assert_eq!((e.line, e.column), (Some(19), Some(1)), "{e}");
}

/// Every unset variable is reported at once, each at its reference, the first as the
/// error's own place.
#[test]
fn every_missing_variable_is_reported_where_it_is_referenced() {
    let e = parse(Path::new("profiles/demo.yaml"), GOOD, &|_| None).unwrap_err();
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(e.message.contains("(3 problems; the others follow)"), "{e}");
    for (line, name) in lines
        .iter()
        .zip(["APP_SECRET", "USER_NAME", "USER_PASSWORD"])
    {
        assert!(line.starts_with("profiles/demo.yaml:"), "{line}");
        assert!(
            line.contains(&format!("environment variable `{name}` is not set")),
            "{line}"
        );
    }
    assert_eq!((e.line, e.column), (Some(13), Some(13)), "{e}");
    // One missing variable reads as before.
    let one = parse(Path::new("profiles/demo.yaml"), GOOD, &|n| {
        (n != "USER_NAME").then(|| "v".to_string())
    })
    .unwrap_err();
    assert!(!one.message.contains("problems"), "{one}");
}

fn with_sign_in(vendor: &str, sign_in: &str) -> String {
    GOOD.replace(
        "environment: preview",
        &format!("environment: emulated\nemulator:\n  vendor: {vendor}\n  sign_in: {sign_in}"),
    )
}

#[test]
fn the_sign_in_mode_is_read_and_defaults_to_html() {
    for vendor in crate::vendors::ids() {
        let p = parse_str(&with_sign_in(vendor, "script")).expect("script sign-in");
        assert_eq!(p.spec.emulator.map(|e| e.sign_in), Some(SignIn::Script));
    }
    let p = parse_str(&with_sign_in("reference", "html")).expect("html sign-in");
    assert_eq!(p.spec.emulator.map(|e| e.sign_in), Some(SignIn::Html));
    let text = GOOD.replace(
        "environment: preview",
        &format!(
            "environment: emulated\nemulator:\n  vendor: {}",
            crate::vendors::ALL[0].id
        ),
    );
    let p = parse_str(&text).expect("no sign_in");
    assert_eq!(p.spec.emulator.map(|e| e.sign_in), Some(SignIn::Html));
}

#[test]
fn an_unknown_sign_in_mode_is_refused_at_its_value() {
    let e = parse_str(&with_sign_in(crate::vendors::ALL[0].id, "javascript")).unwrap_err();
    assert!(e.message.starts_with("unknown variant `javascript`"), "{e}");
    assert_eq!((e.line, e.column), (Some(5), Some(12)), "{e}");
}

#[test]
fn a_script_sign_in_is_refused_for_the_reference_emulator_at_its_value() {
    let e = parse_str(&with_sign_in("reference", "script")).unwrap_err();
    assert!(e.message.contains("`emulator.sign_in: script`"), "{e}");
    assert!(e.message.contains("`reference`"), "{e}");
    assert_eq!((e.line, e.column), (Some(5), Some(12)), "{e}");
}

/// GOOD with `login.method: browser` and `browser` lines under `login:` (the login
/// method is on line 20, so the first added line is 21).
fn browser_profile(browser: &str) -> String {
    GOOD.replace("  method: form\n", &format!("  method: browser\n{browser}"))
}

#[test]
fn browser_steps_load_with_the_users_placeholders_kept_and_variables_resolved() {
    let text = browser_profile(
        "  browser:\n    timeout_secs: 5\n    steps:\n\
         \x20     - wait_for: { url_contains: /signin }\n\
         \x20     - fill: { css: \"#user\", value: \"${user.username}\" }\n\
         \x20     - fill: { xpath: \"//input[@type='password']\", value: \"${user.password}\" }\n\
         \x20     - fill: { css: \"#otp\", value: \"${APP_SECRET}\" }\n\
         \x20     - click: { css: \"button[type=submit]\" }\n\
         \x20     - consent: { approve: { css: \"#allow\" } }\n",
    );
    let p = parse_str(&text).expect("valid browser profile");
    let steps = p.spec.login.browser_steps();
    assert_eq!(steps.len(), 6);
    assert_eq!(p.spec.login.browser_timeout().as_secs(), 5);
    let values: Vec<&str> = steps
        .iter()
        .filter_map(|s| match s {
            BrowserStep::Fill(f) => Some(f.value.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        values,
        ["${user.username}", "${user.password}", "s3cr3t-value"]
    );
    assert!(p.secrets.contains(&"s3cr3t-value".to_string()));
    assert!(
        !p.secrets.iter().any(|s| s.contains("${user.")),
        "{:?}",
        p.secrets
    );
}

#[test]
fn browser_alone_gets_the_default_steps_for_a_plain_form() {
    let p = parse_str(&browser_profile("  username_field: login\n")).expect("valid");
    let steps = p.spec.login.browser_steps();
    let kinds: Vec<&str> = steps.iter().map(BrowserStep::kind).collect();
    assert_eq!(kinds, ["wait_for", "fill", "fill", "submit", "consent"]);
    assert_eq!(
        steps[0],
        BrowserStep::WaitFor(WaitTarget {
            css: Some("input[name=\"login\"]".into()),
            ..WaitTarget::default()
        })
    );
    assert_eq!(p.spec.login.browser_timeout().as_secs(), 20);
}

#[test]
fn browser_settings_are_refused_where_they_are_written() {
    let steps = |s: &str| format!("  browser:\n    steps:\n      - {s}\n");
    let cases = [
        (
            GOOD.replace("  method: form\n", "  method: form\n  browser: {}\n"),
            "read only with `method: browser`",
            (21, 3),
        ),
        (
            browser_profile(&steps("wait_for: { css: a, url_contains: b }")),
            "give only one of `css`, `xpath`, `url_contains`",
            (23, 9),
        ),
        (
            browser_profile(&steps("click: {}")),
            "give one of `css`, `xpath`",
            (23, 9),
        ),
        (
            browser_profile(&steps("fill: { css: a, value: \"${user.email}\" }")),
            "`${user.email}` is not a placeholder",
            (23, 9),
        ),
        (
            browser_profile(&steps("consent: { approve: { css: \"\" } }")),
            "`css` is empty",
            (23, 9),
        ),
        (
            browser_profile("  browser:\n    timeout_secs: 0\n"),
            "between 1 and 300",
            (22, 19),
        ),
        (
            browser_profile("  browser:\n    steps: []\n"),
            "leave it out for the default steps",
            (22, 12),
        ),
    ];
    for (text, wanted, (line, column)) in cases {
        let e = parse_str(&text).unwrap_err();
        assert!(e.message.contains(wanted), "{wanted}: {e}");
        assert_eq!((e.line, e.column), (Some(line), Some(column)), "{e}");
    }
}

#[test]
fn an_unknown_browser_step_or_setting_is_refused_at_its_place() {
    for (extra, wanted) in [
        (
            "  browser:\n    steps:\n      - hover: { css: a }\n",
            "hover",
        ),
        (
            "  browser:\n    steps:\n      - click: { css: a, nth: 2 }\n",
            "nth",
        ),
        ("  browser:\n    timeout: 5\n", "timeout"),
    ] {
        let e = parse_str(&browser_profile(extra)).unwrap_err();
        assert!(e.message.contains(wanted), "{wanted}: {e}");
        assert!(e.line.is_some_and(|l| l >= 21), "{e}");
    }
}

#[test]
fn the_refresh_driver_takes_one_token_source_for_a_registered_client() {
    let with = |login: &str| GOOD.replace("login:\n  method: form\n", login);
    let cases = [
        ("login:\n  method: refresh\n", "needs `login.refresh`", 20),
        (
            "login:\n  method: form\n  refresh:\n    token: ${APP_SECRET}\n",
            "only with `method: refresh`",
            21,
        ),
        (
            "login:\n  method: refresh\n  refresh:\n    token: literal-token\n",
            "never a literal",
            22,
        ),
        (
            "login:\n  method: refresh\n  refresh:\n    token: ${APP_SECRET}\n    token_file: t\n",
            "exactly one",
            21,
        ),
        (
            "login:\n  method: refresh\n  refresh:\n    client: public\n    token: ${APP_SECRET}\n",
            "not under `clients`",
            22,
        ),
        (
            "login:\n  method: refresh\n  refresh:\n    token_file: no-such.token\n",
            "cannot read",
            22,
        ),
    ];
    for (login, what, line) in cases {
        let e = parse_str(&with(login)).unwrap_err();
        assert!(e.message.contains(what), "{login}: {e}");
        assert_eq!(e.line, Some(line), "{login}: {e}");
    }
    // A token file: read at load, and the token is a secret to redact.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("t.token"), "rt-from-file-123\n").expect("write");
    let text = with("login:\n  method: refresh\n  refresh:\n    token_file: t.token\n");
    let p = parse(&dir.path().join("p.yaml"), &text, &env).expect("valid");
    let refresh = p.spec.login.refresh.as_ref().expect("refresh");
    assert_eq!(refresh.token.as_deref(), Some("rt-from-file-123"));
    assert_eq!(
        refresh.client,
        ClientRole::Confidential,
        "documented default"
    );
    assert!(p.secrets.iter().any(|s| s == "rt-from-file-123"));
    std::fs::write(dir.path().join("t.token"), "two words\n").expect("write");
    let e = parse(&dir.path().join("p.yaml"), &text, &env).unwrap_err();
    assert!(e.message.contains("one refresh token"), "{e}");
    assert!(
        !e.message.contains("two words"),
        "the content is not echoed: {e}"
    );
}
