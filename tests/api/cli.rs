//! The `switchboard` binary's admin commands, run as a user would.

use std::process::{Command, Output};

fn switchboard(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .current_dir(dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .expect("run switchboard")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_every_command() {
    let dir = tempfile::tempdir().expect("dir");
    let help = switchboard(dir.path(), &["--help"]);
    assert!(help.status.success());
    for command in ["serve", "migrate", "agent", "token", "bench"] {
        assert!(stdout(&help).contains(command), "--help lacks {command}");
    }
}

#[test]
fn agents_and_tokens_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let migrate = switchboard(dir.path(), &["migrate"]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert!(
        dir.path().join("switchboard.db").exists(),
        "the default database is a file in the working directory"
    );

    let add = switchboard(
        dir.path(),
        &[
            "agent",
            "add",
            "--name",
            "Eva",
            "--email",
            "eva@example.com",
            "--role",
            "agent",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    assert!(
        stdout(&add).contains("added agent Eva <eva@example.com> (agent), id 1"),
        "{}",
        stdout(&add)
    );
    let list = switchboard(dir.path(), &["agent", "list"]);
    assert!(stdout(&list).contains("eva@example.com"));

    let token = switchboard(
        dir.path(),
        &["token", "create", "--role", "agent", "--agent", "1"],
    );
    assert!(token.status.success(), "{}", stderr(&token));
    let secret = stdout(&token).trim().to_owned();
    assert!(
        secret.starts_with("sb_") && secret.len() == 67,
        "{secret:?}"
    );

    let bad_role = switchboard(dir.path(), &["token", "create", "--role", "boss"]);
    assert!(!bad_role.status.success());
    assert!(stderr(&bad_role).contains("--role: \"boss\" is not one of admin, agent, marketer"));
    let duplicate = switchboard(
        dir.path(),
        &[
            "agent",
            "add",
            "--name",
            "Eva",
            "--email",
            "EVA@example.com",
        ],
    );
    assert!(!duplicate.status.success(), "emails are unique");
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let run = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "debug")
        .arg("migrate")
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
    let log = stderr(&run);
    assert!(log.contains("DEBUG"), "nothing was logged: {log}");
    assert!(
        !log.contains('\u{1b}'),
        "escape codes in a piped log: {log:.300}"
    );
}

#[test]
fn a_bad_config_names_the_file_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[server]\nbind = \"somewhere\"\n",
    )
    .expect("write");
    let run = switchboard(dir.path(), &["migrate"]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("switchboard.toml: server.bind"),
        "{}",
        stderr(&run)
    );
    let missing = switchboard(dir.path(), &["--config", "nope.toml", "migrate"]);
    assert!(
        stderr(&missing).contains("nope.toml: cannot read"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn campaign_create_refuses_what_the_api_refuses() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s3cret\"\n\
         callback_url = \"https://shop.example.com/replies\"\n",
    )
    .expect("config");
    let create = |file: &str, definition: &str| {
        std::fs::write(dir.path().join(file), definition).expect("definition");
        switchboard(dir.path(), &["campaign", "create", file])
    };
    let channels =
        r#""filter": {"op": "everyone"}, "channels": [{"channel": "shop", "body": "Hi"}]"#;

    let blank = create("blank.json", &format!(r#"{{"name": "   ", {channels}}}"#));
    assert!(!blank.status.success(), "{}", stdout(&blank));
    assert!(
        stderr(&blank).contains("name: must not be empty"),
        "{}",
        stderr(&blank)
    );
    let both = create(
        "both.json",
        &format!(r#"{{"name": "Sale", "segment_id": 1, {channels}}}"#),
    );
    assert!(
        stderr(&both).contains("give either `segment_id` or `filter`"),
        "{}",
        stderr(&both)
    );

    let good = create(
        "good.json",
        &format!(r#"{{"name": "  Sale ", {channels}}}"#),
    );
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(
        stdout(&good).contains("created draft campaign 1 (Sale)"),
        "{}",
        stdout(&good)
    );
    let list = switchboard(dir.path(), &["campaign", "list"]);
    assert_eq!(
        stdout(&list).lines().count(),
        2,
        "only the valid draft was stored: {}",
        stdout(&list)
    );
}

/// The environment of a running `switchboard serve` (read from `/proc`), started with `env`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn environment_of_serve(env: &[(&str, &str)]) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("MALLOC_ARENA_MAX")
        .env_remove("GLIBC_TUNABLES")
        .env(
            "SWITCHBOARD_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("env.db").display()),
        )
        .env("SWITCHBOARD_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start switchboard");
    let stdout = child.stdout.take().expect("stdout");
    let listening = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("listening on "));
    let environ = std::fs::read(format!("/proc/{}/environ", child.id()));
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(listening, "switchboard exited before listening");
    environ
        .expect("environ")
        .split(|&byte| byte == 0)
        .map(|entry| String::from_utf8_lossy(entry).into_owned())
        .collect()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_caps_malloc_arenas_unless_the_operator_chose() {
    let default = environment_of_serve(&[]);
    assert!(
        default.iter().any(|entry| entry == "MALLOC_ARENA_MAX=2"),
        "the running service caps glibc's arenas: {default:?}"
    );
    let chosen = environment_of_serve(&[("MALLOC_ARENA_MAX", "6")]);
    assert!(chosen.iter().any(|entry| entry == "MALLOC_ARENA_MAX=6"));
    assert!(!chosen.iter().any(|entry| entry == "MALLOC_ARENA_MAX=2"));
}

#[test]
fn agent_list_columns_line_up_whatever_the_lengths() {
    let dir = tempfile::tempdir().expect("dir");
    let agents = [
        ("Al", "al@example.com", "agent"),
        (
            "Bartholomew Montgomery-Smythe",
            "bartholomew.montgomery-smythe@customer-care.example.com",
            "marketer",
        ),
    ];
    for (name, email, role) in agents {
        let add = switchboard(
            dir.path(),
            &[
                "agent", "add", "--name", name, "--email", email, "--role", role,
            ],
        );
        assert!(add.status.success(), "{}", stderr(&add));
    }
    let list = switchboard(dir.path(), &["agent", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two agents:\n{text}");
    let header = lines[0];
    let column = |title: &str| header.find(title).expect("column title");
    for (line, (name, email, role)) in lines[1..].iter().zip(agents) {
        for (value, title) in [
            (name, "name"),
            (email, "email"),
            (role, "role"),
            ("online", "status"),
        ] {
            assert_eq!(
                line.find(value),
                Some(column(title)),
                "{value:?} starts under {title:?}:\n{text}"
            );
        }
        assert!(
            line.ends_with("20") && line.len() == header.len(),
            "the capacity ends under its title:\n{text}"
        );
    }
}

/// Runs `switchboard serve` in `dir` with `env` and returns its error output once it exits;
/// fails the test if it starts listening instead (the bad value passed start-up).
fn serve_refuses(dir: &std::path::Path, env: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start switchboard");
    let stdout = child.stdout.take().expect("stdout");
    // Reading to the end returns when the process exits (or says it listens).
    let listening = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("listening on "));
    if listening {
        child.kill().expect("kill");
        child.wait().expect("wait");
        panic!("serve started with a bad config ({env:?})");
    }
    let output = child.wait_with_output().expect("wait");
    assert!(!output.status.success());
    stderr(&output)
}

#[test]
fn serve_refuses_bad_values_at_start_up_naming_file_and_key() {
    let cases = [
        (
            "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s\"\n\
             callback_url = \"not a url\"\n",
            "switchboard.toml: channels[0]: callback_url: ",
        ),
        ("[log]\nlevel = \"loud\"\n", "switchboard.toml: log.level: "),
        (
            "[database]\nurl = \"mysql://x\"\n",
            "switchboard.toml: database.url: ",
        ),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("switchboard.toml"), text).expect("write");
        let message = serve_refuses(dir.path(), &[]);
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn serve_names_the_environment_variable_of_a_bad_value() {
    let dir = tempfile::tempdir().expect("dir");
    let message = serve_refuses(dir.path(), &[("SWITCHBOARD_SERVER_BIND", "somewhere")]);
    assert!(
        message.contains("SWITCHBOARD_SERVER_BIND: server.bind: "),
        "{message}"
    );
    let message = serve_refuses(
        dir.path(),
        &[("SWITCHBOARD_CAMPAIGNS_PUBLIC_URL", "nowhere")],
    );
    assert!(
        message.contains("SWITCHBOARD_CAMPAIGNS_PUBLIC_URL: campaigns.public_url: "),
        "{message}"
    );
}
