"""Browser helpers shared by tests/browser and tests/e2e."""

import os
import re
from pathlib import Path

from tests.support.accounts import PASSWORD, totp_code

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "build/screenshots"))
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}

# What sticks out of a 360 px page with no scrolling container to hold it: boxes past the
# edges, or content wider than its box (to explain a failure).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const held = (el) => {
    // An absolutely positioned box escapes the scrolling frames that are not positioned.
    if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || held(el)) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    if (box.right > width + 1 || box.left < -1) {
      found.push(`${name} box [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    } else if (getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1
               && el.clientWidth > 0) {
      found.push(`${name} content ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return found.slice(-10);
}"""

# Words laid out on more than one line inside table cells and description values: what a cell
# squeezed to a letter or two shows (one letter per line). A hyphen is a place to break;
# hashes and long numbers, over 20 characters, may break where they must.
SPLIT_WORDS = """() => {
  const found = [];
  for (const box of document.querySelectorAll('main td, main th, main dd')) {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s-]+/g)) {
        if (match[0].length < 2 || match[0].length > 20) continue;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const first = Math.min(...rects.map((r) => r.bottom));
        if (rects.some((r) => r.top >= first - 1)) {
          found.push(`${match[0]} in ${box.tagName.toLowerCase()} ${Math.round(box.getBoundingClientRect().width)}px wide`);
        }
      }
    }
  }
  return found.slice(0, 10);
}"""


def staff_sign_in(page, base_url: str, staff, lang: str, check=None) -> None:
    """Password, then the authenticator's code; `check(page, name)` runs on the code's page."""
    page.goto(f"{base_url}/language/{lang}")
    page.goto(f"{base_url}/account/login")
    page.locator("#email").fill(staff.email)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/two-factor$"))
    if check:
        check(page, "two-factor")
    page.locator("#code").fill(totp_code(staff.totp_secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/backoffice/$"))
