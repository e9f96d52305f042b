//! User agents generalised to browser family + major version, OS family and device class
//! (DESIGN.md rule 6). The full user agent string is never kept.
//!
//! A small table-driven parser rather than a crate: `woothee` 0.13 (the well-kept candidate)
//! puts iPads and Android tablets in its `smartphone` category, so it cannot tell a tablet from a
//! phone, and it pulls in `lazy_static` and a large regex set for categories (crawlers, feature
//! phones, appliances) that school conference clients do not use. The tables below cover the
//! browsers that BigBlueButton supports; anything else is `other`.

use std::fmt;

use serde::Serialize;

/// A browser family. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowserFamily {
    /// Google Chrome, also Chrome on iOS (`CriOS`) and Android WebView.
    Chrome,
    /// Microsoft Edge (Chromium `Edg/`, legacy `Edge/`, `EdgA/`, `EdgiOS/`).
    Edge,
    /// Mozilla Firefox, also Firefox on iOS (`FxiOS`).
    Firefox,
    /// Apple Safari.
    Safari,
    /// Opera (`OPR/`, `OPT/`, `OPiOS/`).
    Opera,
    /// Samsung Internet (`SamsungBrowser/`).
    SamsungInternet,
    /// Chromium as built by Linux distributions (`Chromium/`).
    Chromium,
    /// Anything else, or not recognised.
    Other,
}

impl BrowserFamily {
    /// The family's name: `chrome`, `edge`, `firefox`, `safari`, `opera`, `samsung_internet`,
    /// `chromium`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            BrowserFamily::Chrome => "chrome",
            BrowserFamily::Edge => "edge",
            BrowserFamily::Firefox => "firefox",
            BrowserFamily::Safari => "safari",
            BrowserFamily::Opera => "opera",
            BrowserFamily::SamsungInternet => "samsung_internet",
            BrowserFamily::Chromium => "chromium",
            BrowserFamily::Other => "other",
        }
    }
}

/// An operating system family. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OsFamily {
    /// Microsoft Windows.
    Windows,
    /// Apple macOS (also iPadOS 13+ in desktop mode, which sends a macOS user agent).
    Macos,
    /// Apple iOS (iPhone, iPod).
    Ios,
    /// Apple iPadOS (an iPad that says so).
    Ipados,
    /// Android.
    Android,
    /// ChromeOS (Chromebooks).
    Chromeos,
    /// Linux on the desktop.
    Linux,
    /// Anything else, or not recognised.
    Other,
}

impl OsFamily {
    /// The family's name: `windows`, `macos`, `ios`, `ipados`, `android`, `chromeos`, `linux`,
    /// `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            OsFamily::Windows => "windows",
            OsFamily::Macos => "macos",
            OsFamily::Ios => "ios",
            OsFamily::Ipados => "ipados",
            OsFamily::Android => "android",
            OsFamily::Chromeos => "chromeos",
            OsFamily::Linux => "linux",
            OsFamily::Other => "other",
        }
    }
}

/// A class of device. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    /// A desktop or laptop computer (also Chromebooks).
    Desktop,
    /// A tablet.
    Tablet,
    /// A phone.
    Phone,
    /// Not recognised.
    Other,
}

impl DeviceClass {
    /// The class's name: `desktop`, `tablet`, `phone`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Desktop => "desktop",
            DeviceClass::Tablet => "tablet",
            DeviceClass::Phone => "phone",
            DeviceClass::Other => "other",
        }
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(BrowserFamily, OsFamily, DeviceClass);

/// A user agent generalised to browser family + major version, OS family and device class. Not
/// personal data: it is what remains of a full user agent string, which is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct UserAgentInfo {
    /// The browser family.
    pub browser: BrowserFamily,
    /// The browser's major version (never the WebKit or Safari build number); `None` when
    /// unknown or when the browser is `other`.
    pub browser_major: Option<u32>,
    /// The operating system family.
    pub os: OsFamily,
    /// The class of device.
    pub device: DeviceClass,
}

/// Where a browser's version is read.
#[derive(Clone, Copy)]
enum VersionAt {
    /// Right after the token itself (`Chrome/131.0` → 131).
    Token,
    /// After `Version/` (Safari: `Version/17.5 … Safari/605.1.15` → 17).
    VersionToken,
}

/// Browser tokens in order of precedence: the first that occurs wins. Chromium-based browsers
/// also send `Chrome/` and `Safari/`, and Chrome sends `Safari/`, so the specific tokens come
/// first and `Safari/` last.
const BROWSERS: &[(&str, BrowserFamily, VersionAt)] = &[
    ("SamsungBrowser/", BrowserFamily::SamsungInternet, VersionAt::Token),
    ("OPR/", BrowserFamily::Opera, VersionAt::Token),
    ("OPT/", BrowserFamily::Opera, VersionAt::Token),
    ("OPiOS/", BrowserFamily::Opera, VersionAt::Token),
    ("Edg/", BrowserFamily::Edge, VersionAt::Token),
    ("EdgA/", BrowserFamily::Edge, VersionAt::Token),
    ("EdgiOS/", BrowserFamily::Edge, VersionAt::Token),
    ("Edge/", BrowserFamily::Edge, VersionAt::Token),
    ("CriOS/", BrowserFamily::Chrome, VersionAt::Token),
    ("FxiOS/", BrowserFamily::Firefox, VersionAt::Token),
    ("Firefox/", BrowserFamily::Firefox, VersionAt::Token),
    ("Chromium/", BrowserFamily::Chromium, VersionAt::Token),
    ("Chrome/", BrowserFamily::Chrome, VersionAt::Token),
    ("Safari/", BrowserFamily::Safari, VersionAt::VersionToken),
];

/// How the device class follows from an OS token.
#[derive(Clone, Copy)]
enum DeviceRule {
    /// Always this class.
    Fixed(DeviceClass),
    /// Android: a phone if the user agent says `Mobile`, else a tablet (Google's convention;
    /// Firefox says `Mobile` or `Tablet` explicitly).
    MobileTokenIsPhone,
}

/// OS tokens in order of precedence: the first that occurs wins. iOS user agents contain
/// `like Mac OS X` and Android ones `Linux`, so they come before macOS and Linux.
const SYSTEMS: &[(&str, OsFamily, DeviceRule)] = &[
    ("iPad", OsFamily::Ipados, DeviceRule::Fixed(DeviceClass::Tablet)),
    ("iPhone", OsFamily::Ios, DeviceRule::Fixed(DeviceClass::Phone)),
    ("iPod", OsFamily::Ios, DeviceRule::Fixed(DeviceClass::Phone)),
    ("CrOS", OsFamily::Chromeos, DeviceRule::Fixed(DeviceClass::Desktop)),
    ("Android", OsFamily::Android, DeviceRule::MobileTokenIsPhone),
    ("Windows NT", OsFamily::Windows, DeviceRule::Fixed(DeviceClass::Desktop)),
    ("Windows", OsFamily::Windows, DeviceRule::Fixed(DeviceClass::Desktop)),
    ("Macintosh", OsFamily::Macos, DeviceRule::Fixed(DeviceClass::Desktop)),
    ("Mac OS X", OsFamily::Macos, DeviceRule::Fixed(DeviceClass::Desktop)),
    ("Linux", OsFamily::Linux, DeviceRule::Fixed(DeviceClass::Desktop)),
    ("X11", OsFamily::Linux, DeviceRule::Fixed(DeviceClass::Desktop)),
];

impl UserAgentInfo {
    /// Nothing recognised: `other`, no version, `other`, `other`.
    pub const UNKNOWN: UserAgentInfo = UserAgentInfo {
        browser: BrowserFamily::Other,
        browser_major: None,
        os: OsFamily::Other,
        device: DeviceClass::Other,
    };

    /// Generalises a full user agent string. Never fails: what is not recognised is `other`.
    pub fn parse(user_agent: &str) -> UserAgentInfo {
        let (browser, browser_major) = parse_browser(user_agent);
        let (os, device) = parse_os(user_agent);
        UserAgentInfo { browser, browser_major, os, device }
    }
}

impl Default for UserAgentInfo {
    fn default() -> Self {
        UserAgentInfo::UNKNOWN
    }
}

fn parse_browser(ua: &str) -> (BrowserFamily, Option<u32>) {
    for &(token, family, version_at) in BROWSERS {
        let Some(at) = ua.find(token) else { continue };
        let major = match version_at {
            VersionAt::Token => major_version(&ua[at + token.len()..]),
            VersionAt::VersionToken => match ua.find("Version/") {
                Some(v) => major_version(&ua[v + "Version/".len()..]),
                // `Safari/` without `Version/`: an in-app web view or a bot, not Safari itself.
                None => continue,
            },
        };
        return (family, major);
    }
    (BrowserFamily::Other, None)
}

fn parse_os(ua: &str) -> (OsFamily, DeviceClass) {
    for &(token, os, rule) in SYSTEMS {
        if !ua.contains(token) {
            continue;
        }
        let device = match rule {
            DeviceRule::Fixed(device) => device,
            DeviceRule::MobileTokenIsPhone if ua.contains("Mobile") => DeviceClass::Phone,
            DeviceRule::MobileTokenIsPhone => DeviceClass::Tablet,
        };
        return (os, device);
    }
    (OsFamily::Other, DeviceClass::Other)
}

/// The leading decimal number of `version` (`131.0.6778.86` → 131); `None` if it does not
/// start with a digit or does not fit.
fn major_version(version: &str) -> Option<u32> {
    let end = version.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(version.len());
    version[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ua: &str, browser: BrowserFamily, major: Option<u32>, os: OsFamily, device: DeviceClass) {
        let expected = UserAgentInfo { browser, browser_major: major, os, device };
        assert_eq!(UserAgentInfo::parse(ua), expected, "{ua}");
    }

    use BrowserFamily as B;
    use DeviceClass as D;
    use OsFamily as O;

    #[test]
    fn desktop_windows() {
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            B::Chrome,
            Some(131),
            O::Windows,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            B::Edge,
            Some(131),
            O::Windows,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            B::Firefox,
            Some(133),
            O::Windows,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
            B::Opera,
            Some(115),
            O::Windows,
            D::Desktop,
        );
        // Legacy EdgeHTML.
        check(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
            B::Edge,
            Some(18),
            O::Windows,
            D::Desktop,
        );
    }

    #[test]
    fn apple() {
        // Also what iPadOS 13+ sends in desktop mode: it cannot be told from a Mac, and
        // macos/desktop is accepted for it.
        check(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            B::Safari,
            Some(17),
            O::Macos,
            D::Desktop,
        );
        // Old Safari: the major is 12, not the 605 of the build.
        check(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Safari/605.1.15",
            B::Safari,
            Some(12),
            O::Macos,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Safari/605.1.15",
            B::Safari,
            Some(13),
            O::Macos,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            B::Safari,
            Some(17),
            O::Ipados,
            D::Tablet,
        );
        check(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            B::Safari,
            Some(18),
            O::Ios,
            D::Phone,
        );
        check(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            B::Chrome,
            Some(131),
            O::Ios,
            D::Phone,
        );
        check(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15",
            B::Firefox,
            Some(132),
            O::Ios,
            D::Phone,
        );
        check(
            "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) EdgiOS/131.2903.68 Version/16.0 Mobile/15E148 Safari/604.1",
            B::Edge,
            Some(131),
            O::Ipados,
            D::Tablet,
        );
        // In-app web view on an iPhone: no browser token, but the device is known.
        check(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            B::Other,
            None,
            O::Ios,
            D::Phone,
        );
    }

    #[test]
    fn android() {
        check(
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            B::Chrome,
            Some(131),
            O::Android,
            D::Phone,
        );
        // Tablet: Chrome leaves out `Mobile`.
        check(
            "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
            B::Chrome,
            Some(130),
            O::Android,
            D::Tablet,
        );
        check(
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            B::SamsungInternet,
            Some(25),
            O::Android,
            D::Phone,
        );
        check(
            "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
            B::Firefox,
            Some(133),
            O::Android,
            D::Phone,
        );
        check(
            "Mozilla/5.0 (Android 13; Tablet; rv:128.0) Gecko/128.0 Firefox/128.0",
            B::Firefox,
            Some(128),
            O::Android,
            D::Tablet,
        );
        check(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
            B::Edge,
            Some(131),
            O::Android,
            D::Phone,
        );
        // Android WebView: `Version/4.0` must not make it Safari 4.
        check(
            "Mozilla/5.0 (Linux; Android 12; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36",
            B::Chrome,
            Some(120),
            O::Android,
            D::Phone,
        );
    }

    #[test]
    fn linux_and_chromeos() {
        check(
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            B::Chrome,
            Some(131),
            O::Chromeos,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            B::Firefox,
            Some(133),
            O::Linux,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            B::Firefox,
            Some(128),
            O::Linux,
            D::Desktop,
        );
        check(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/120.0.6099.71 Chrome/120.0.6099.71 Safari/537.36",
            B::Chromium,
            Some(120),
            O::Linux,
            D::Desktop,
        );
    }

    #[test]
    fn empty_and_garbage_are_other() {
        for ua in ["", " ", "-", "curl/8.5.0", "null", "\u{0}\u{ff}", "Mozilla/5.0", "💥💥💥", "Safari/605.1.15"]
        {
            assert_eq!(UserAgentInfo::parse(ua), UserAgentInfo::UNKNOWN, "{ua:?}");
        }
        assert_eq!(UserAgentInfo::default(), UserAgentInfo::UNKNOWN);
    }

    #[test]
    fn unparsable_versions_are_none() {
        check("Mozilla/5.0 (Windows NT 10.0) Firefox/", B::Firefox, None, O::Windows, D::Desktop);
        check("Mozilla/5.0 (Windows NT 10.0) Chrome/x.y", B::Chrome, None, O::Windows, D::Desktop);
        check("Mozilla/5.0 (Windows NT 10.0) Chrome/99999999999999999999", B::Chrome, None, O::Windows, D::Desktop);
        assert_eq!(major_version("131.0.6778.86"), Some(131));
        assert_eq!(major_version(""), None);
    }

    #[test]
    fn names() {
        assert_eq!(B::SamsungInternet.as_str(), "samsung_internet");
        assert_eq!(O::Ipados.to_string(), "ipados");
        assert_eq!(D::Phone.as_str(), "phone");
        let info = UserAgentInfo::parse(
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        );
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"browser":"safari","browser_major":17,"os":"ipados","device":"tablet"}"#
        );
        // Serialised names are the as_str names.
        for b in [B::Chrome, B::Edge, B::Firefox, B::Safari, B::Opera, B::SamsungInternet, B::Chromium, B::Other] {
            assert_eq!(serde_json::to_string(&b).unwrap(), format!("\"{}\"", b.as_str()));
        }
        for o in [O::Windows, O::Macos, O::Ios, O::Ipados, O::Android, O::Chromeos, O::Linux, O::Other] {
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{}\"", o.as_str()));
        }
    }
}
