"""A short, friendly name for the browser and device behind a user agent ("Firefox on Linux").

The parsing is ua-parser's (the uap-core rules); this module only turns its families into the
words a person recognises. Pure: a string in, a string out.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy
from ua_parser import parse

UNKNOWN_BROWSER = gettext_lazy("Unknown browser")

# ua-parser names the mobile and embedded builds of a browser separately; people do not.
_BROWSER_NAMES = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Edge Mobile": "Edge",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "HeadlessChrome": "Headless Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Opera Mobile": "Opera",
}
_SYSTEM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
# Apple's phones and tablets are better known by the device than by "iOS".
_NAMED_DEVICES = frozenset({"iPhone", "iPad", "iPod"})


def device_label(user_agent: str) -> str:
    """ "<browser> on <device or system>", the browser alone when the system is unknown, or
    "Unknown browser" (plus the system when that is known)."""
    result = parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent else ""
    if browser in {"", "Other"}:
        browser = str(UNKNOWN_BROWSER)
    else:
        browser = _BROWSER_NAMES.get(browser, browser)
    device = result.device.family if result.device else ""
    system = result.os.family if result.os else ""
    if device in _NAMED_DEVICES:
        where = device
    elif system and system != "Other":
        where = _SYSTEM_NAMES.get(system, system)
    else:
        where = ""
    if not where:
        return browser
    # Translators: a signed-in device, e.g. "Firefox on Linux", "Safari on iPhone".
    return gettext("%(browser)s on %(where)s") % {"browser": browser, "where": where}
