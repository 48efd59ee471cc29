"""Driving a page with the keyboard alone: Tab and Shift+Tab to reach a control, typing, Space
to tick, arrows to choose, Enter to follow or submit. The page is only read (where the focus
is, what a field holds), never clicked."""

# Where the focus is against the control wanted: on it, or which way to tab to reach it.
WHERE = """(selector) => {
  const target = document.querySelector(selector);
  if (!target) return 'missing';
  const active = document.activeElement;
  if (active === target) return 'here';
  if (!active || active === document.body) return 'forward';
  return target.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING
    ? 'backward' : 'forward';
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  return el ? el.outerHTML.slice(0, 160) : null;
}"""


def tab_to(page, selector: str, limit: int = 300) -> None:
    """Tab (or Shift+Tab, when the control comes before the focus) until `selector` has it."""
    where = page.evaluate(WHERE, selector)
    assert where != "missing", f"nothing matches {selector} on {page.url}"
    key = "Shift+Tab" if where == "backward" else "Tab"
    for _ in range(limit):
        if where == "here":
            return
        page.keyboard.press(key)
        where = page.evaluate(WHERE, selector)
    raise AssertionError(
        f"{limit} × {key} did not reach {selector} on {page.url}; focus on {page.evaluate(FOCUSED)}"
    )


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)
    value = page.eval_on_selector(selector, "el => el.value")
    assert value == text, f"{selector} holds {value!r}, not {text!r}"


def type_date(page, selector: str, iso: str) -> None:
    """A date typed into the browser's date field, segment by segment (month, day, year in this
    Chromium, whatever the page's language)."""
    year, month, day = iso.split("-")
    tab_to(page, selector)
    page.keyboard.type(month + day + year)
    value = page.eval_on_selector(selector, "el => el.value")
    assert value == iso, f"{selector} holds {value!r} after typing {iso}"


def tick(page, selector: str) -> None:
    """Space on a checkbox or a radio button."""
    tab_to(page, selector)
    page.keyboard.press("Space")
    assert page.eval_on_selector(selector, "el => el.checked"), f"{selector} is not ticked"


def choose(page, selector: str, value: str) -> None:
    """Arrow keys on a closed <select> until the option of `value` is chosen."""
    tab_to(page, selector)
    wanted, current = page.eval_on_selector(
        selector,
        "(el, value) => [[...el.options].findIndex(o => o.value === value), el.selectedIndex]",
        value,
    )
    assert wanted >= 0, f"{selector} has no option {value!r}"
    key = "ArrowDown" if wanted > current else "ArrowUp"
    for _ in range(abs(wanted - current)):
        page.keyboard.press(key)
    chosen = page.eval_on_selector(selector, "el => el.value")
    assert chosen == value, f"{selector} holds {chosen!r}, not {value!r}"


def follow(page, selector: str, key: str = "Enter") -> None:
    """Enter on a link or a submit button, and wait for the page it leads to."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)
