//! Configuration: a TOML file where every key is optional. It is parsed, then validated
//! into `Settings` before anything starts, so a typo stops the kiosk at boot with a
//! message rather than misbehaving later.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::printer::profile::Profile;
use crate::printer::transport::Target;

use crate::domain::calendar::WorkCalendar;
use crate::domain::callback::REPAIR_SAMPLE_PERCENT;
use crate::domain::category::{Catalogue, Category, default_categories};
use crate::domain::intake::{Department, Lang};
use crate::domain::roles::Role;
use crate::domain::ticket::KioskCode;
use crate::domain::validate::Phone;
use crate::kiosk::staff::StaffAccount;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub kiosk: RawKiosk,
    #[serde(default)]
    pub calendar: RawCalendar,
    #[serde(default)]
    pub callbacks: RawCallbacks,
    #[serde(default)]
    pub printer: RawPrinter,
    #[serde(default)]
    pub hq: RawHq,
    #[serde(default)]
    pub hq_server: RawHqServer,
    #[serde(default)]
    pub gpio: RawGpio,
    /// When present, replaces the default catalogue entirely.
    pub categories: Option<Vec<Category>>,
    /// Who may open the staff screen.
    #[serde(default)]
    pub staff: Vec<RawStaff>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaff {
    pub id: String,
    pub name: String,
    /// The hash `lobbydesk staff-pin` prints, never the PIN itself. Without one the person
    /// cannot open the staff screen, but can still be named with `--by`.
    pub pin: Option<String>,
    /// front-desk (the default), technician, department-supervisor, service-supervisor,
    /// cs-director, estate-manager, hotline or quality-office.
    pub role: Option<String>,
    /// For a department supervisor: engineering, security, customer-service or
    /// cleaning-greening.
    pub department: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKiosk {
    pub code: Option<String>,
    pub estate: Option<String>,
    pub front_desk_phone: Option<String>,
    pub emergency_phone: Option<String>,
    pub idle_seconds: Option<u32>,
    pub dim_seconds: Option<u32>,
    /// The estate's buildings as residents name them ("1栋"): an emergency's place is
    /// one tap on one of them.
    #[serde(default)]
    pub buildings: Vec<String>,
    /// The estate's lifts ("3栋2号梯"): someone trapped in one says which.
    #[serde(default)]
    pub lifts: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub timezone: Option<String>,
    #[serde(default)]
    pub holidays: Vec<DateItem>,
    #[serde(default)]
    pub workdays: Vec<DateItem>,
}

/// A date written as a TOML date (`2026-10-01`) or a string (`"2026-10-01"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DateItem {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateItem {
    fn date(&self, key: &str) -> Result<NaiveDate, String> {
        let text = match self {
            DateItem::Toml(d) => d.to_string(),
            DateItem::Text(s) => s.clone(),
        };
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| format!("[calendar] {key}: {text:?} is not a date such as 2026-10-01"))
    }
}

fn dates(items: &[DateItem], key: &str) -> Result<Vec<NaiveDate>, String> {
    items.iter().map(|d| d.date(key)).collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCallbacks {
    pub repair_sample_percent: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrinter {
    /// A shipped profile's name, or a whole profile as a table.
    pub profile: Option<ProfileChoice>,
    pub transport: Option<String>,
    pub virtual_dir: Option<PathBuf>,
    pub resident_reprint_minutes: Option<u32>,
    pub staff_lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGpio {
    pub status_led: Option<u8>,
    pub call_button: Option<u8>,
    pub buzzer: Option<u8>,
    pub silence_button: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHq {
    pub url: Option<String>,
    /// The address residents' phones reach HQ at (the ticket's QR link); default: `url`.
    pub resident_url: Option<String>,
    pub token: Option<String>,
    pub interval_seconds: Option<u64>,
    pub keep_closed_days: Option<u32>,
}

/// On an HQ machine: where HQ keeps its data (`lobbydesk hq ...`). `--db` and
/// `LOBBYDESK_HQ_DB` take precedence.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHqServer {
    /// postgres://… or sqlite:DIRECTORY; none: the SQLite file in the data directory.
    pub database: Option<String>,
    /// A PostgreSQL read replica for kiosks' pulls.
    pub read_replica: Option<String>,
    /// The https:// address residents' phones reach HQ at: links in messages and on
    /// hotline cases. Kiosks print theirs from `[hq] resident_url`.
    pub resident_url: Option<String>,
    /// Messages to residents go to this webhook (signed JSON POSTs); none: logged only.
    pub messages_webhook: Option<String>,
    /// The webhook's shared secret (LOBBYDESK_MESSAGES_SECRET overrides it).
    pub messages_secret: Option<String>,
}

/// Where HQ is and how this kiosk proves who it is; `None` runs the kiosk standalone.
#[derive(Clone, Debug)]
pub struct HqSettings {
    pub url: String,
    /// Where residents' phones open their case: the base of the ticket's QR link.
    pub resident_url: String,
    pub token: String,
    pub interval: std::time::Duration,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ProfileChoice {
    Named(String),
    Custom(Profile),
}

#[derive(Clone, Debug)]
pub struct PrinterSettings {
    pub profile: Profile,
    pub target: Target,
    /// Where the virtual printer keeps its paper; `None`: DATA_DIR/printer.
    pub virtual_dir: Option<PathBuf>,
    /// How long after filing a resident may ask the kiosk for another copy.
    pub resident_reprint_minutes: u32,
    /// The language of work orders, reports and test pages.
    pub staff_lang: Lang,
}

pub const DEFAULT_PROFILE: &str = "generic-80";

/// Validated configuration: what the rest of the program uses.
#[derive(Clone, Debug)]
pub struct Settings {
    pub kiosk: KioskCode,
    pub estate: String,
    pub front_desk_phone: Option<Phone>,
    pub emergency_phone: Option<Phone>,
    pub calendar: WorkCalendar,
    pub catalogue: Catalogue,
    pub repair_sample_percent: u8,
    pub printer: PrinterSettings,
    /// Seconds without a touch before the kiosk clears itself (the last 10 count down).
    pub idle_seconds: u32,
    /// Seconds without a touch before the screen dims; 0: never.
    pub dim_seconds: u32,
    pub hq: Option<HqSettings>,
    /// HQ's own store, when this machine is HQ (checked when an `hq` command opens it).
    pub hq_server: RawHqServer,
    /// Closed cases HQ has confirmed are deleted here this many days after closing.
    pub keep_closed_days: u32,
    pub gpio: crate::hw::GpioConfig,
    pub staff: Vec<StaffAccount>,
    pub buildings: Vec<String>,
    pub lifts: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}")]
    Read { path: String, source: std::io::Error },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("in the config file {path}: {message}")]
    Invalid { path: String, message: String },
}

pub const DEFAULT_KIOSK_CODE: &str = "K01";
pub const DEFAULT_ESTATE: &str = "示范花园";

impl Settings {
    /// Reads `path` if it exists (a missing file means all defaults, unless `required`).
    pub fn load(path: &Path, required: bool) -> Result<Settings, ConfigError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => String::new(),
            Err(source) => {
                return Err(ConfigError::Read { path: shown, source });
            }
        };
        Settings::from_toml(&text, &shown)
    }

    pub fn from_toml(text: &str, shown: &str) -> Result<Settings, ConfigError> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: shown.to_string(), message: e.to_string() })?;
        raw.validate().map_err(|message| ConfigError::Invalid { path: shown.to_string(), message })
    }
}

impl Default for Settings {
    fn default() -> Self {
        RawConfig::default().validate().expect("defaults are valid")
    }
}

impl RawConfig {
    pub fn validate(self) -> Result<Settings, String> {
        let kiosk = KioskCode::parse(self.kiosk.code.as_deref().unwrap_or(DEFAULT_KIOSK_CODE))
            .map_err(|e| format!("[kiosk] code: {e}"))?;
        let estate = self.kiosk.estate.unwrap_or_else(|| DEFAULT_ESTATE.into());
        if estate.trim().is_empty() {
            return Err("[kiosk] estate must not be empty".into());
        }
        let phone = |key: &str, value: Option<String>| {
            value.map(|v| Phone::parse(&v).map_err(|e| format!("[kiosk] {key}: {e}"))).transpose()
        };
        let tz_name = self.calendar.timezone.as_deref().unwrap_or("Asia/Shanghai");
        let tz: Tz = tz_name.parse().map_err(|_| {
            format!("[calendar] timezone {tz_name:?} is not an IANA time zone such as Asia/Shanghai")
        })?;
        let holidays = dates(&self.calendar.holidays, "holidays")?;
        let workdays = dates(&self.calendar.workdays, "workdays")?;
        if let Some(both) = holidays.iter().find(|d| workdays.contains(d)) {
            return Err(format!(
                "[calendar] {both} is listed both as a holiday and as a make-up working day"
            ));
        }
        let percent = self.callbacks.repair_sample_percent.unwrap_or(REPAIR_SAMPLE_PERCENT);
        if percent > 100 {
            return Err(format!("[callbacks] repair_sample_percent is {percent}; use 0 to 100"));
        }
        let catalogue = Catalogue::new(self.categories.unwrap_or_else(default_categories))
            .map_err(|e| format!("[[categories]]: {e}"))?;
        let printer = self.printer.validate()?;
        let hq = match (self.hq.url, self.hq.token) {
            (Some(url), Some(token)) if !url.trim().is_empty() => {
                crate::sync::client::Client::new(&url, &token).map_err(|e| format!("[hq] url: {e}"))?;
                if token.trim().len() < 32 {
                    return Err(
                        "[hq] token is too short: paste the one `lobbydesk hq add-kiosk` printed".into()
                    );
                }
                let seconds = self.hq.interval_seconds.unwrap_or(30);
                if !(5..=3600).contains(&seconds) {
                    return Err(format!("[hq] interval_seconds is {seconds}; use 5 to 3600"));
                }
                let resident_url = match self.hq.resident_url {
                    Some(r) => {
                        let parsed =
                            url::Url::parse(r.trim()).map_err(|e| format!("[hq] resident_url {r:?}: {e}"))?;
                        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
                            return Err(format!("[hq] resident_url {r:?}: use an https:// address"));
                        }
                        r.trim().trim_end_matches('/').to_string()
                    }
                    None => url.trim().trim_end_matches('/').to_string(),
                };
                Some(HqSettings {
                    url,
                    token,
                    resident_url,
                    interval: std::time::Duration::from_secs(seconds),
                })
            }
            (Some(_), None) => return Err("[hq] url is set but token is not".into()),
            (None, Some(_)) => return Err("[hq] token is set but url is not".into()),
            _ => None,
        };
        let keep_closed_days = self.hq.keep_closed_days.unwrap_or(30);
        let pins = [
            ("status_led", self.gpio.status_led),
            ("call_button", self.gpio.call_button),
            ("buzzer", self.gpio.buzzer),
            ("silence_button", self.gpio.silence_button),
        ];
        for (key, pin) in pins {
            if pin.is_some_and(|p| p > 27) {
                return Err(format!("[gpio] {key} = {}: use a BCM GPIO number 0 to 27", pin.unwrap_or(0)));
            }
        }
        let used: Vec<u8> = pins.iter().filter_map(|(_, p)| *p).collect();
        if used.iter().enumerate().any(|(i, p)| used[..i].contains(p)) {
            return Err("[gpio] two parts are on the same pin".into());
        }
        let gpio = crate::hw::GpioConfig {
            status_led: self.gpio.status_led,
            call_button: self.gpio.call_button,
            buzzer: self.gpio.buzzer,
            silence_button: self.gpio.silence_button,
        };
        let idle_seconds = self.kiosk.idle_seconds.unwrap_or(60);
        if !(20..=600).contains(&idle_seconds) {
            return Err(format!("[kiosk] idle_seconds is {idle_seconds}; use 20 to 600"));
        }
        let staff = validate_staff(self.staff)?;
        let buildings = place_names(self.kiosk.buildings, "buildings", MAX_BUILDINGS)?;
        let lifts = place_names(self.kiosk.lifts, "lifts", MAX_LIFTS)?;
        Ok(Settings {
            kiosk,
            estate: estate.trim().to_string(),
            front_desk_phone: phone("front_desk_phone", self.kiosk.front_desk_phone)?,
            emergency_phone: phone("emergency_phone", self.kiosk.emergency_phone)?,
            calendar: WorkCalendar::new(tz, holidays, workdays),
            catalogue,
            repair_sample_percent: percent,
            printer,
            idle_seconds,
            dim_seconds: self.kiosk.dim_seconds.unwrap_or(300),
            hq,
            hq_server: self.hq_server,
            keep_closed_days,
            gpio,
            staff,
            buildings,
            lifts,
        })
    }
}

/// The emergency place list must fit the 7" panel one tap per place.
pub const MAX_BUILDINGS: usize = 8;
pub const MAX_LIFTS: usize = 16;

fn place_names(names: Vec<String>, key: &str, max: usize) -> Result<Vec<String>, String> {
    if names.len() > max {
        return Err(format!(
            "[kiosk] {key} lists {} places; at most {max} fit the emergency screen (name groups, such as \"1-4栋\", instead)",
            names.len()
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 12 {
            return Err(format!("[kiosk] {key}: {name:?} must be 1 to 12 characters"));
        }
        if out.contains(&name) {
            return Err(format!("[kiosk] {key}: {name:?} appears twice"));
        }
        out.push(name);
    }
    Ok(out)
}

/// The people sample data acts as (`lobbydesk demo`, screenshots) when the config does not
/// name them: never written to a config, never able to sign in (no PIN).
pub fn add_sample_staff(staff: &mut Vec<StaffAccount>) {
    let people = [
        ("wang", "王芳", Role::FrontDesk, None),
        ("li", "李师傅", Role::Technician, None),
        ("zhao", "赵强", Role::FrontDesk, None),
        ("chen", "陈经理", Role::EstateManager, None),
    ];
    for (id, name, role, department) in people {
        if !staff.iter().any(|s| s.id == id) {
            staff.push(StaffAccount { id: id.into(), name: name.into(), pin: None, role, department });
        }
    }
}

fn validate_staff(raw: Vec<RawStaff>) -> Result<Vec<StaffAccount>, String> {
    let mut accounts: Vec<StaffAccount> = Vec::new();
    for entry in raw {
        let id = entry.id.trim().to_string();
        let valid_id = !id.is_empty()
            && id.len() <= 32
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_id {
            return Err(format!(
                "[[staff]] id {id:?}: use 1 to 32 letters, digits, - or _ (it is recorded on what they do)"
            ));
        }
        if accounts.iter().any(|a| a.id == id) {
            return Err(format!("[[staff]] id {id:?} is listed twice"));
        }
        let name = entry.name.trim().to_string();
        if name.is_empty() {
            return Err(format!("[[staff]] {id}: name must not be empty"));
        }
        let pin = entry
            .pin
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| format!("[[staff]] {id}: pin: {e}"))?;
        let role = match entry.role.as_deref() {
            Some(r) => r.parse::<Role>().map_err(|e| format!("[[staff]] {id}: {e}"))?,
            None => Role::FrontDesk,
        };
        let department = entry
            .department
            .as_deref()
            .map(str::parse::<Department>)
            .transpose()
            .map_err(|e| format!("[[staff]] {id}: {e}"))?;
        match (role, department) {
            (Role::DepartmentSupervisor, None) => {
                return Err(format!("[[staff]] {id}: a department supervisor needs department = \"...\""));
            }
            (Role::DepartmentSupervisor, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(format!(
                    "[[staff]] {id}: department applies to role = \"department-supervisor\" only"
                ));
            }
        }
        accounts.push(StaffAccount { id, name, pin, role, department });
    }
    Ok(accounts)
}

impl RawPrinter {
    fn validate(self) -> Result<PrinterSettings, String> {
        let profile = match self.profile {
            None => Profile::by_name(DEFAULT_PROFILE).expect("the default profile ships"),
            Some(ProfileChoice::Named(name)) => Profile::by_name(&name).ok_or_else(|| {
                let names: Vec<String> = Profile::shipped().into_iter().map(|p| p.name).collect();
                format!(
                    "[printer] profile {name:?} is not a shipped profile ({}); or give a whole profile table",
                    names.join(", ")
                )
            })?,
            Some(ProfileChoice::Custom(profile)) => profile,
        };
        profile.validate().map_err(|e| format!("[printer] {e}"))?;
        let target = Target::parse(self.transport.as_deref().unwrap_or("virtual"))
            .map_err(|e| format!("[printer] {e}"))?;
        Ok(PrinterSettings {
            profile,
            target,
            virtual_dir: self.virtual_dir,
            resident_reprint_minutes: self.resident_reprint_minutes.unwrap_or(10),
            staff_lang: self
                .staff_lang
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| format!("[printer] staff_lang: {e}"))?
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_working_defaults() {
        let s = Settings::from_toml("", "x").unwrap();
        assert_eq!(s.kiosk.as_str(), "K01");
        assert_eq!(s.calendar.tz, chrono_tz::Asia::Shanghai);
        assert_eq!(s.repair_sample_percent, 30);
        assert!(s.catalogue.get("water").is_some());
    }

    #[test]
    fn every_documented_key_is_read() {
        let s = Settings::from_toml(
            r#"
            [kiosk]
            code = "B7"
            estate = "翠湖花园"
            front_desk_phone = "0755-12345678"
            emergency_phone = "13800138000"
            [calendar]
            timezone = "Asia/Hong_Kong"
            holidays = [2026-10-01, "2026-10-02"]
            workdays = [2026-10-10]
            [callbacks]
            repair_sample_percent = 40
            "#,
            "x",
        )
        .unwrap();
        assert_eq!(s.kiosk.as_str(), "B7");
        assert_eq!(s.estate, "翠湖花园");
        assert_eq!(s.front_desk_phone.unwrap().as_str(), "0755-12345678");
        assert_eq!(s.calendar.tz, chrono_tz::Asia::Hong_Kong);
        assert!(!s.calendar.is_working_day("2026-10-01".parse().unwrap()));
        assert!(s.calendar.is_working_day("2026-10-10".parse().unwrap()));
        assert_eq!(s.repair_sample_percent, 40);
    }

    #[test]
    fn mistakes_are_named_with_their_section() {
        let cases = [
            ("[kiosk]\ncode = \"KIOSK1\"", "[kiosk] code"),
            ("[kiosk]\ncod = \"K01\"", "unknown field"),
            ("[calendar]\ntimezone = \"Mars/Base\"", "IANA"),
            ("[calendar]\nholidays = [\"2026-02-30\"]", "not a date"),
            ("[calendar]\nholidays = [2026-10-10]\nworkdays = [2026-10-10]", "both"),
            ("[callbacks]\nrepair_sample_percent = 130", "0 to 100"),
            ("[kiosk]\nfront_desk_phone = \"123\"", "front_desk_phone"),
            ("[printer]\nprofile = \"xp-9999\"", "not a shipped profile"),
            ("[printer]\ntransport = \"lpt:1\"", "[printer] printer transport"),
            ("[gpio]\nstatus_led = 40", "BCM GPIO number"),
            ("[gpio]\nstatus_led = 17\nbuzzer = 17", "same pin"),
            ("[gpio]\nbuzzer = 22\nsilence_button = 22", "same pin"),
            ("[kiosk]\nbuildings = [\"1栋\", \"1栋\"]", "appears twice"),
            (
                "[kiosk]\nbuildings = [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\", \"9\"]",
                "at most 8",
            ),
            ("[kiosk]\nlifts = [\" \"]", "1 to 12 characters"),
            ("[[staff]]\nid = \"wang\"\nname = \"王芳\"\npin = \"1234\"", "PIN itself"),
            ("[[staff]]\nid = \"wang fang\"\nname = \"王芳\"\npin = \"x\"", "[[staff]] id"),
            ("[[staff]]\nid = \"wang\"\nname = \" \"\npin = \"x\"", "name must not be empty"),
            ("[[staff]]\nid = \"wang\"\nname = \"王芳\"\nrole = \"boss\"", "unknown role \"boss\""),
            ("[[staff]]\nid = \"zhou\"\nname = \"周\"\nrole = \"department-supervisor\"", "needs department"),
            ("[[staff]]\nid = \"wang\"\nname = \"王\"\ndepartment = \"security\"", "department applies to"),
        ];
        for (text, expected) in cases {
            let err = Settings::from_toml(text, "lobbydesk.toml").unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?} gave {err}");
        }
    }

    #[test]
    fn staff_accounts_hold_a_pin_hash_and_each_id_once() {
        let hash = crate::kiosk::staff::PinHash::new("2468").unwrap();
        let entry = |id: &str| format!("[[staff]]\nid = \"{id}\"\nname = \"王芳\"\npin = \"{hash}\"\n");
        let s = Settings::from_toml(&(entry("wang") + &entry("li")), "x").unwrap();
        assert_eq!(s.staff.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["wang", "li"]);
        assert!(s.staff[0].pin.as_ref().unwrap().verify("2468"));
        let err = Settings::from_toml(&(entry("wang") + &entry("wang")), "x").unwrap_err().to_string();
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn a_category_list_replaces_the_defaults_and_is_checked() {
        let text = r#"
            [[categories]]
            code = "water"
            kind = "repair"
            zh = "水"
            en = "Water"
            [[categories]]
            code = "noise"
            kind = "complaint"
            zh = "噪音"
            en = "Noise"
            [[categories]]
            code = "idea"
            kind = "suggestion"
            zh = "建议"
            en = "Idea"
        "#;
        let s = Settings::from_toml(text, "x").unwrap();
        assert_eq!(s.catalogue.all().len(), 3);
        let dup =
            format!("{text}\n[[categories]]\ncode = \"idea\"\nkind = \"suggestion\"\nzh = \"x\"\nen = \"x\"");
        assert!(Settings::from_toml(&dup, "x").unwrap_err().to_string().contains("twice"));
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    /// The shipped example must stay loadable and must describe the defaults.
    #[test]
    fn the_example_config_in_deploy_is_valid_and_matches_the_defaults() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/lobbydesk.example.toml");
        let example = Settings::load(&path, true).unwrap();
        let defaults = Settings::default();
        assert_eq!(example.kiosk, defaults.kiosk);
        assert_eq!(example.estate, defaults.estate);
        assert_eq!(example.calendar.tz, defaults.calendar.tz);
        assert_eq!(example.repair_sample_percent, defaults.repair_sample_percent);
        assert_eq!(example.catalogue.all(), defaults.catalogue.all());
        assert_eq!(example.printer.profile, defaults.printer.profile);
        assert_eq!(example.printer.target, defaults.printer.target);
        assert_eq!(example.printer.resident_reprint_minutes, defaults.printer.resident_reprint_minutes);
    }
}
