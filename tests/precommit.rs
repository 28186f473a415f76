//! The pre-commit hook (`.pre-commit-hooks.yaml`) used the way the pre-commit framework
//! uses it: pre-commit from PyPI in a temporary virtual environment, a throwaway git
//! repository with a bad template, the hook failing, then passing after the fix, and a
//! changed parameters file re-linting its template. It installs pre-commit and builds
//! azlint in release, so it runs when `AZLINT_PRECOMMIT_TEST=1` (`.ci/run` sets it).

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(program);
    c.args(args).current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap_or_else(|e| panic!("{program} {args:?}: {e}"))
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

const BAD: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
  "parameters": {"siteName": {"type": "string"}},
  "resources": [{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "[parameters('siteName')]", "location": "westeurope",
    "properties": {"httpsOnly": false, "siteConfig": {"ftpsState": "Disabled"}}}]}"#;

#[test]
fn hook_fails_on_a_bad_template_and_passes_after_the_fix() {
    if std::env::var_os("AZLINT_PRECOMMIT_TEST").is_none() {
        eprintln!(
            "skipped: set AZLINT_PRECOMMIT_TEST=1 to install pre-commit from PyPI and run the hook (.ci/run does)"
        );
        return;
    }
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rev = String::from_utf8(run(project, "git", &["rev-parse", "HEAD"], &[]).stdout).unwrap().trim().to_string();
    let tmp = std::env::temp_dir().join(format!("azlint-precommit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (venv, repo, home) = (tmp.join("venv"), tmp.join("repo"), tmp.join("home"));
    std::fs::create_dir_all(&repo).unwrap();
    ok(&run(&tmp, "python3", &["-m", "venv", venv.to_str().unwrap()], &[]), "python3 -m venv");
    ok(
        &run(&tmp, venv.join("bin/pip").to_str().unwrap(), &["install", "--quiet", "pre-commit"], &[]),
        "pip install pre-commit",
    );
    let pre_commit = venv.join("bin/pre-commit");
    ok(&run(&repo, "git", &["init", "--quiet"], &[]), "git init");
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: azlint\n", project.display()),
    )
    .unwrap();
    std::fs::write(repo.join("main.json"), BAD).unwrap();
    std::fs::write(
        repo.join("main.parameters.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"siteName": {"value": "api-orders"}}}"#,
    )
    .unwrap();
    ok(&run(&repo, "git", &["add", "."], &[]), "git add");
    let env = [("PRE_COMMIT_HOME", home.as_path())];
    let hook = |files: &[&str]| {
        let mut args = vec!["run", "azlint", "--files"];
        args.extend(files);
        run(&repo, pre_commit.to_str().unwrap(), &args, &env)
    };
    let bad = hook(&["main.json"]);
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success(), "the hook passes a template with httpsOnly false:\n{text}");
    assert!(text.contains("TLS001") && text.contains("api-orders"), "{text}");
    // Only the parameters file changed: its template is linted too.
    let params_only = hook(&["main.parameters.json"]);
    assert!(!params_only.status.success(), "{}", String::from_utf8_lossy(&params_only.stdout));
    std::fs::write(repo.join("main.json"), BAD.replace("\"httpsOnly\": false", "\"httpsOnly\": true")).unwrap();
    let fixed = hook(&["main.json"]);
    assert!(fixed.status.success(), "{}", String::from_utf8_lossy(&fixed.stdout));
    std::fs::remove_dir_all(&tmp).ok();
}
