"""Registration and sign-in in a real browser: axe in both languages, and the newcomer's path."""

import re

import pytest

from tests.support.accounts import PASSWORD, unique_email

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_registration_and_login_pages_pass_axe(page, live_server, check_page, lang):
    page.goto(f"{live_server}/language/{lang}")
    page.goto(f"{live_server}/account/register")
    assert check_page(page, f"register-{lang}") == []
    page.get_by_role("button").last.click()  # an empty form: errors beside each field
    assert page.locator(".error-summary").is_visible()
    assert check_page(page, f"register-errors-{lang}") == []
    page.goto(f"{live_server}/account/login")
    assert check_page(page, f"login-{lang}") == []


def test_a_newcomer_registers_reads_the_email_verifies_and_signs_in(page, live_server, check_page):
    email = unique_email("newcomer")
    page.goto(f"{live_server}/account/register")
    page.get_by_label("الاسم الكامل").fill("حسن أوعلي")
    page.get_by_label("عنوان البريد الإلكتروني").fill(email)
    page.get_by_label("رقم الهاتف").fill("0661234567")
    page.get_by_label("كلمة المرور", exact=True).fill(PASSWORD)
    page.get_by_label("أعد كتابة كلمة المرور").fill(PASSWORD)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="أنشئ الحساب").click()
    page.get_by_role("link", name="افتح صندوق بريد التطوير").click()
    mail = page.locator("article.mail", has_text=email).first
    assert "أكّد عنوان بريدك الإلكتروني" in mail.inner_text()
    mail.get_by_role("link", name="تأكيد عنوان بريدي الإلكتروني").click()
    assert "تم تأكيد عنوان بريدك الإلكتروني" in page.locator("main").inner_text()
    page.get_by_label("عنوان البريد الإلكتروني").fill(email)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.wait_for_url(re.compile(r"/account/$"))
    page.get_by_role("link", name="Français").click()
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_role("link", name=re.compile("Notifications")).click()
    assert "Confirmez votre adresse e-mail" not in page.locator("main").inner_text()
    # The notification was written in Arabic, the language at the time of the event.
    assert "أكّد عنوان بريدك الإلكتروني" in page.locator("main").inner_text()
    assert check_page(page, "notifications-fr") == []
