//! The `azlint` command line: parses arguments, calls the library, prints the report
//! and sets the exit code (0 clean, 1 findings at or above `--fail-on`, 2 incomplete:
//! errors, or coverage gaps of a live export unless `--allow-partial`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use azlint::arm::DeploymentContext;
use azlint::engine::{Registry, RuleOptions};
use azlint::filter::config;
use azlint::report::text::TextOptions;
use azlint::report::{FailOn, Format, Report};
use azlint::scan::{ScanOptions, scan};
use azlint::source::detect::DocKind;

/// A scan allocates millions of small values; mimalloc is markedly faster at that than
/// the system allocator (measured in benches/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "azlint",
    version,
    about = "Finds the gaps that leave an Azure back-end reachable by callers who should not reach it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint templates, parameters files and exported state under the given paths
    Scan(Box<ScanArgs>),
    /// List every rule: code, name, severity, title
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Also load rule files from this folder
        #[arg(long = "rules", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
    /// Evaluate one ARM template expression and print its value as JSON
    Eval {
        /// The expression, as written in a template: `[concat('a', 'b')]`
        expr: String,
        #[command(flatten)]
        context: ContextArgs,
    },
    /// Expand a template and print its resources and outputs as JSON
    Expand {
        template: PathBuf,
        /// Parameters file (default: X.parameters.json beside X.json, X.bicepparam beside X.bicep)
        #[arg(long, value_name = "FILE", conflicts_with = "no_parameters")]
        parameters: Option<PathBuf>,
        #[arg(long)]
        no_parameters: bool,
        /// Configuration file for Bicep module aliases (default: azlint.toml beside the template or above)
        #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
        config: Option<PathBuf>,
        /// Ignore azlint.toml
        #[arg(long)]
        no_config: bool,
        #[command(flatten)]
        context: ContextArgs,
    },
    /// Print a rule's full explanation and fix
    Explain {
        /// A rule code (NET001) or name (integration-subnet-not-delegated)
        rule: String,
        #[arg(long = "rules", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
}

/// The deployment context templates are expanded in.
#[derive(clap::Args, Clone, Default)]
struct ContextArgs {
    /// Deployment context as JSON: resourceGroup, subscription, tenant, deployment, environment, utcNow...;
    /// for `eval` also parameters, variables and copyIndex
    #[arg(long, value_name = "FILE")]
    context: Option<PathBuf>,
    /// Subscription id of the deployment (default 00000000-0000-0000-0000-000000000000)
    #[arg(long, value_name = "ID")]
    subscription_id: Option<String>,
    /// Resource group of the deployment (default `rg`); with --subscription, also limits the
    /// live read to this group (repeatable; templates are expanded in the first)
    #[arg(long, value_name = "NAME")]
    resource_group: Vec<String>,
    /// Location of the resource group (default `westus`)
    #[arg(long, value_name = "REGION")]
    location: Option<String>,
}

impl ContextArgs {
    /// The `--context` file as JSON (`Null` without one).
    fn json(&self) -> Result<serde_json::Value, String> {
        let Some(p) = &self.context else { return Ok(serde_json::Value::Null) };
        let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    }

    fn build(&self) -> Result<DeploymentContext, String> {
        let json = self.json()?;
        let base = match &self.context {
            Some(p) => DeploymentContext::from_json(&json).map_err(|e| format!("{}: {e}", p.display()))?,
            None => DeploymentContext::default(),
        };
        Ok(base.with_overrides(
            self.subscription_id.as_deref(),
            self.resource_group.first().map(String::as_str),
            self.location.as_deref(),
        ))
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or folders to scan [default: .]
    paths: Vec<PathBuf>,
    /// Output format: text, json, sarif, junit, github or markdown; repeatable, each as NAME
    /// (to standard output or -o FILE) or NAME=FILE
    #[arg(long, value_name = "NAME[=FILE]", value_parser = parse_format_spec)]
    format: Vec<FormatSpec>,
    /// Write the report of the format given without =FILE to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that makes the run fail (exit 1): critical, high, medium, low, info or none [default: high]
    #[arg(long, value_parser = parse_fail_on)]
    fail_on: Option<FailOn>,
    /// Configuration file (default: azlint.toml in the scanned folder or above)
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore azlint.toml
    #[arg(long)]
    no_config: bool,
    /// Report only findings that this baseline does not list; list entries that no longer occur
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record the current findings as a baseline (keyed by rule, resource and file)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Also list the findings that suppressions accepted, with their reasons
    #[arg(long)]
    show_suppressed: bool,
    /// Only run these rules (codes, names or prefixes such as NET); repeatable or comma-separated
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (codes, names or prefixes); repeatable or comma-separated
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Count undetermined results as findings
    #[arg(long)]
    strict: bool,
    /// Let a live export with coverage gaps (reads that failed) exit by its findings
    /// instead of 2; the gaps are still reported in every format
    #[arg(long)]
    allow_partial: bool,
    /// Skip files matching this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Treat every input as this format instead of detecting it
    #[arg(long, value_name = "FORMAT", value_parser = parse_input_format)]
    input_format: Option<DocKind>,
    /// Use this parameters file for the templates instead of X.parameters.json
    #[arg(long, value_name = "FILE", conflicts_with = "no_parameters")]
    parameters: Option<PathBuf>,
    /// Do not pair templates with parameters files
    #[arg(long)]
    no_parameters: bool,
    /// Load extra rule files from this folder (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    rule_dirs: Vec<PathBuf>,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Colour in text output; NO_COLOR in the environment means never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print only errors and the summary line
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    context: ContextArgs,
    /// Recommended integration subnet prefix length (NET002) [default: 26]
    #[arg(long, value_name = "N")]
    integration_prefix: Option<u8>,
    /// Headroom factor over a plan's maximum instance count (NET002) [default: 2]
    #[arg(long, value_name = "N")]
    headroom: Option<u32>,
    /// Service tags treated as admitting everyone (ACL004); comma-separated [default: Internet,AzureCloud]
    #[arg(long, value_delimiter = ',')]
    allow_all_tags: Vec<String>,
    #[command(flatten)]
    live: LiveArgs,
}

/// Reading live subscriptions through Resource Manager.
#[derive(clap::Args, Clone)]
struct LiveArgs {
    /// Read this subscription through Resource Manager (repeatable); combinable with paths
    #[arg(long, value_name = "ID")]
    subscription: Vec<String>,
    /// Resource Manager endpoint: https://management.azure.com (public), https://management.usgovcloudapi.net
    /// (US Government), https://management.chinacloudapi.cn (China)
    #[arg(long, value_name = "URL", default_value = azlint::live::client::PUBLIC_CLOUD)]
    arm_endpoint: String,
    /// Credential: auto, cli, managed-identity, service-principal, workload-identity or token-env
    /// (a bearer token in AZLINT_ARM_TOKEN)
    #[arg(long, value_name = "METHOD", default_value = "auto", value_parser = parse_auth)]
    auth: azlint::live::auth::AuthMethod,
    /// Requests in flight at once
    #[arg(long, value_name = "N", default_value_t = 16)]
    concurrency: usize,
    /// Requests allowed per subscription, retries included; reads beyond it are coverage gaps
    #[arg(long, value_name = "N", default_value_t = 50_000)]
    request_budget: u64,
    /// Seconds allowed for one request before it is retried
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    request_timeout: f64,
    /// Also read app settings and connection strings (AUTH006, PE006); needs
    /// Microsoft.Web/sites/config/list/action, which Reader lacks. Values never leave memory
    #[arg(long)]
    read_app_settings: bool,
    /// Write what was read to FILE (secrets redacted); `azlint scan FILE` reproduces the scan
    #[arg(long, value_name = "FILE")]
    save_export: Option<PathBuf>,
}

/// One `--format` value: a format and, with `NAME=FILE`, its own file.
#[derive(Clone, Debug)]
struct FormatSpec {
    format: Format,
    file: Option<PathBuf>,
}

fn parse_format_spec(s: &str) -> Result<FormatSpec, String> {
    let (name, file) = match s.split_once('=') {
        Some((_, "")) => return Err(format!("`{s}` names no file after `=`")),
        Some((n, f)) => (n, Some(PathBuf::from(f))),
        None => (s, None),
    };
    Ok(FormatSpec { format: name.parse()?, file })
}

/// Where each format goes: a `NAME=FILE` to its file, the one bare `NAME` (default
/// `text`) to `-o FILE` or standard output. Two outputs to standard output or to one
/// file would interleave, so they are refused.
fn outputs(specs: &[FormatSpec], output: Option<&PathBuf>) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    let mut specs = specs.to_vec();
    if specs.is_empty() {
        specs.push(FormatSpec { format: Format::Text, file: None });
    }
    let bare = specs.iter().filter(|s| s.file.is_none()).count();
    if bare > 1 {
        return Err("at most one --format may write to standard output (or -o); give the others as NAME=FILE".into());
    }
    if bare == 0 && output.is_some() {
        return Err("-o/--output names no format: every --format has its own =FILE".into());
    }
    let outs: Vec<(Format, Option<PathBuf>)> =
        specs.into_iter().map(|s| (s.format, s.file.or_else(|| output.cloned()))).collect();
    for (i, (_, a)) in outs.iter().enumerate() {
        if let Some(a) = a
            && outs[..i].iter().any(|(_, b)| b.as_ref() == Some(a))
        {
            return Err(format!("two formats would write to {}", a.display()));
        }
    }
    Ok(outs)
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    s.parse()
}

fn parse_input_format(s: &str) -> Result<DocKind, String> {
    s.parse()
}

fn parse_auth(s: &str) -> Result<azlint::live::auth::AuthMethod, String> {
    s.parse().map_err(|e: azlint::live::auth::AuthError| e.to_string())
}

fn main() -> ExitCode {
    // A tenant export touches gigabytes of fresh memory; on 4 KB pages the kernel's
    // page faults and zeroing were a third of the wall time of 1,000,000 resources.
    // mimalloc asks for transparent huge pages (where the system allows them with
    // `madvise`, as most distributions do); small scans never reach a huge page.
    // SAFETY: sets a process-wide mimalloc option before any scan allocates; the call
    // takes plain integers and mimalloc reads options atomically.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(libmimalloc_sys::mi_option_large_os_pages, 1)
    };
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; a bad option is an incomplete run.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let code = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Rules { format, rule_dirs } => list_rules(format, &rule_dirs),
        Command::Explain { rule, rule_dirs } => explain(&rule, &rule_dirs),
        Command::Eval { expr, context } => eval(&expr, &context),
        Command::Expand { template, parameters, no_parameters, config, no_config, context } => {
            let config =
                if no_config { None } else { config.or_else(|| config::discover(std::slice::from_ref(&template))) };
            expand(&template, parameters.as_deref(), no_parameters, config.as_deref(), &context)
        }
    };
    ExitCode::from(code)
}

fn registry(rule_dirs: &[PathBuf]) -> Result<Registry, u8> {
    let mut reg = azlint::rules::registry().map_err(|errs| {
        for e in errs {
            eprintln!("azlint: {e}");
        }
        2u8
    })?;
    let mut failed = false;
    for d in rule_dirs {
        for e in reg.load_dir(d) {
            eprintln!("azlint: {e}");
            failed = true;
        }
    }
    if failed { Err(2) } else { Ok(reg) }
}

fn list_rules(format: ListFormat, rule_dirs: &[PathBuf]) -> u8 {
    let reg = match registry(rule_dirs) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let out = match format {
        ListFormat::Json => {
            let rules: Vec<_> = reg
                .rules
                .iter()
                .map(|r| serde_json::json!({"code": r.code, "name": r.name, "severity": r.severity.as_str(), "title": r.title, "resource_types": r.resource_types}))
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&rules).unwrap_or_default())
        }
        ListFormat::Text => {
            let w = reg.rules.iter().map(|r| r.name.len()).max().unwrap_or(4);
            let mut s = format!("{:<8} {:<w$} {:<9} {}\n", "CODE", "NAME", "SEVERITY", "TITLE");
            for r in &reg.rules {
                s.push_str(&format!("{:<8} {:<w$} {:<9} {}\n", r.code, r.name, r.severity.as_str(), r.title));
            }
            s
        }
    };
    let _ = write_stdout(&out);
    0
}

fn explain(rule: &str, rule_dirs: &[PathBuf]) -> u8 {
    let reg = match registry(rule_dirs) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let Some(r) = reg.find(rule) else {
        eprintln!("azlint: no rule is called `{rule}`; `azlint rules` lists them");
        return 2;
    };
    let mut s = format!(
        "# {} {}: {}\n\nSeverity: {}\nApplies to: {}\n\n",
        r.code,
        r.name,
        r.title,
        r.severity,
        r.resource_types.join(", ")
    );
    s.push_str(r.docs.trim());
    s.push_str(&format!("\n\n## Fix\n{}\n", r.help));
    if !r.references.is_empty() {
        s.push_str("\n## Links\n");
        for u in &r.references {
            s.push_str(&format!("- {u}\n"));
        }
    }
    let _ = write_stdout(&s);
    0
}

fn eval(expr: &str, context: &ContextArgs) -> u8 {
    let ctx = match context.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("azlint: {e}");
            return 2;
        }
    };
    // The context's `parameters`, `variables` and `copyIndex` are the expression's scope,
    // as `../shared/arm/README.md` defines the shape.
    let scope = match context.json() {
        Ok(json) => azlint::arm::EvalScope::from_json(&json),
        Err(e) => {
            eprintln!("azlint: {e}");
            return 2;
        }
    };
    match azlint::arm::eval_expression_in(expr, &ctx, &scope) {
        Ok(v) => {
            let _ = write_stdout(&format!("{}\n", serde_json::to_string_pretty(&v.to_json()).unwrap_or_default()));
            0
        }
        Err(e) => {
            eprintln!("azlint: {e}");
            2
        }
    }
}

fn expand(
    template: &std::path::Path,
    parameters: Option<&std::path::Path>,
    no_parameters: bool,
    config_path: Option<&std::path::Path>,
    context: &ContextArgs,
) -> u8 {
    let ctx = match context.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("azlint: {e}");
            return 2;
        }
    };
    let aliases = match config_path.map(|p| read_config(p).map(|c| (p, c))).transpose() {
        Ok(None) => Vec::new(),
        Ok(Some((p, c))) => c.bicep.aliases(p.parent().unwrap_or(std::path::Path::new(""))),
        Err(code) => return code,
    };
    match azlint::scan::expand_file(template, parameters, no_parameters, &ctx, &aliases) {
        Ok((json, diagnostics, failed)) => {
            for d in diagnostics {
                eprintln!("azlint: {d}");
            }
            let _ = write_stdout(&format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default()));
            if failed { 2 } else { 0 }
        }
        Err(e) => {
            eprintln!("azlint: {e}");
            2
        }
    }
}

/// Reads azlint.toml; an invalid one is reported with its position (exit code 2).
fn read_config(path: &std::path::Path) -> Result<config::Config, u8> {
    config::Config::load(path).map_err(|e| {
        let at = e.line.map_or_else(String::new, |l| format!(":{l}:{}", e.column.unwrap_or(1)));
        eprintln!("azlint: {}{at}: {}", e.file, e.message);
        2
    })
}

fn run_scan(args: ScanArgs) -> u8 {
    if let Some(n) = args.jobs
        && let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global()
    {
        eprintln!("azlint: cannot set --jobs: {e}");
        return 2;
    }
    let context = match args.context.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("azlint: {e}");
            return 2;
        }
    };
    let live = !args.live.subscription.is_empty();
    let paths = if args.paths.is_empty() && !live { vec![PathBuf::from(".")] } else { args.paths };
    let config_path = if args.no_config { None } else { args.config.clone().or_else(|| config::discover(&paths)) };
    let config = match config_path.as_deref().map(read_config).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(code) => return code,
    };
    let fail_on = match (args.fail_on, config.fail_on.as_deref()) {
        (Some(f), _) => f,
        (None, Some(s)) => match s.parse() {
            Ok(f) => f,
            Err(e) => {
                eprintln!("azlint: azlint.toml `fail-on`: {e}");
                return 2;
            }
        },
        (None, None) => FailOn::Severity(azlint::engine::Severity::High),
    };
    // The command line over azlint.toml; what neither sets keeps the rule file's default.
    let mut rule_options = RuleOptions::default();
    if let Some(n) = args.integration_prefix.or(config.rules.integration_prefix) {
        rule_options.set("integration-prefix", i64::from(n));
    }
    if let Some(n) = args.headroom.or(config.rules.headroom) {
        rule_options.set("headroom", i64::from(n));
    }
    let tags =
        if args.allow_all_tags.is_empty() { config.rules.allow_all_tags.clone() } else { Some(args.allow_all_tags) };
    if let Some(tags) = tags {
        rule_options.set("allow-all-tags", tags);
    }
    let outputs = match outputs(&args.format, args.output.as_ref()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("azlint: {e}");
            return 2;
        }
    };
    let documents = if live {
        match read_live(&args.live, &args.context.resource_group, args.quiet) {
            Ok(d) => vec![d],
            Err(e) => {
                eprintln!("azlint: {e}");
                return 2;
            }
        }
    } else {
        Vec::new()
    };
    let opts = ScanOptions {
        documents,
        context,
        exclude: args.exclude.into_iter().chain(config.exclude.iter().cloned()).collect(),
        input_format: args.input_format,
        parameters: args.parameters,
        no_parameters: args.no_parameters,
        select: if args.select.is_empty() { config.select.clone() } else { args.select },
        ignore: args.ignore.into_iter().chain(config.ignore.iter().cloned()).collect(),
        rule_dirs: args.rule_dirs,
        rule_options,
        config_path: config_path.as_ref().map(|p| p.display().to_string()),
        config,
        baseline: args.baseline,
        write_baseline: args.write_baseline,
        allow_partial: args.allow_partial,
        release_text: !outputs.iter().any(|(f, _)| *f == Format::Text),
        paths,
    };
    let out = scan(&opts);
    let report = Report::new(&out, args.strict).with_suppressed(&out, args.show_suppressed);
    let mut failed = false;
    for (format, file) in &outputs {
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                file.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let text = TextOptions { color, width: terminal_width(), quiet: args.quiet };
        if let Some(path) = file
            && let Some(input) = scanned_file_at(&out, path)
        {
            eprintln!(
                "azlint: refusing to write the {} report to {}: it is the scanned file `{input}`",
                format.as_str(),
                path.display()
            );
            failed = true;
            continue;
        }
        // A renderer that fails must not keep the other reports from being written.
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            azlint::report::render(&report, *format, text, fail_on)
        }));
        let Ok(rendered) = rendered else {
            eprintln!("azlint: internal error: the {} report could not be rendered", format.as_str());
            failed = true;
            continue;
        };
        let written = match file {
            Some(path) => std::fs::write(path, &rendered).map_err(|e| format!("cannot write {}: {e}", path.display())),
            None => write_stdout(&rendered),
        };
        if let Err(e) = written {
            eprintln!("azlint: {e}");
            failed = true;
        }
    }
    if failed {
        return 2;
    }
    let code = report.exit_code(fail_on) as u8;
    // The process exits next: freeing the model value by value would only cost time.
    std::mem::forget(report);
    std::mem::forget(out);
    code
}

/// The scanned file that `path` would overwrite, if it is one.
fn scanned_file_at(out: &azlint::scan::ScanOutput, path: &std::path::Path) -> Option<String> {
    let target = std::fs::canonicalize(path).ok()?;
    out.sources.iter().find(|(_, f)| f.abs_path == target).map(|(_, f)| f.path.clone())
}

/// Reads the live subscriptions into a live export document; writes it to
/// `--save-export` and returns it as an in-memory input named after that file (so
/// positions in the report are positions in the saved file) or after the subscriptions.
fn read_live(args: &LiveArgs, groups: &[String], quiet: bool) -> Result<azlint::scan::Document, String> {
    use azlint::live::{ClientOptions, LiveOptions, auth};
    azlint::live::client::check_endpoint(&args.arm_endpoint)?;
    if !(args.request_timeout.is_finite() && args.request_timeout > 0.0) {
        return Err("--request-timeout must be a positive number of seconds".into());
    }
    let env = |k: &str| std::env::var(k).ok();
    let cred = auth::credential(args.auth, &env).map_err(|e| e.to_string())?;
    let cache = std::sync::Arc::new(auth::TokenCache::new(cred.source.clone(), auth::scope_for(&args.arm_endpoint)));
    let token: azlint::live::TokenSource = std::sync::Arc::new(move || {
        let cache = cache.clone();
        Box::pin(async move { cache.bearer().await.map_err(|e| e.to_string()) })
    });
    let client = ClientOptions {
        endpoint: args.arm_endpoint.clone(),
        concurrency: args.concurrency.max(1),
        budget: args.request_budget,
        timeout: std::time::Duration::from_secs_f64(args.request_timeout),
        ..ClientOptions::default()
    };
    let opts = LiveOptions {
        subscriptions: args.subscription.clone(),
        resource_groups: groups.to_vec(),
        read_app_settings: args.read_app_settings,
    };
    let started = std::time::Instant::now();
    let (read, stats) = azlint::live::read_blocking(client, token, &opts, !quiet)?;
    if !quiet {
        eprintln!(
            "azlint: read {} resources of {} from {} as {} in {:.1} s: {} requests, {} retries, {} throttled, {} coverage gaps",
            read.resources,
            args.subscription.join(", "),
            args.arm_endpoint,
            cred.used(),
            started.elapsed().as_secs_f64(),
            stats.requests,
            stats.retries,
            stats.throttled,
            read.gaps
        );
    }
    let mut text = serde_json::to_string_pretty(&read.document).map_err(|e| e.to_string())?;
    text.push('\n');
    let name = match &args.save_export {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            path.display().to_string()
        }
        None => format!("live:{}", args.subscription.join(",")),
    };
    Ok(azlint::scan::Document { name, text })
}

/// Writes to standard output; a closed pipe (`azlint … | head`) means the reader has
/// what it wanted, not an error.
fn write_stdout(text: &str) -> Result<(), String> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100)
}
