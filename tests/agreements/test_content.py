"""What a committee signs: the agreement states its legal basis, the parties and who signs for
them, each party's obligations, the money committed, how it ends and under which law, and
where the parties sign, stamp and initial; an amendment says what changed, why, and what it
amends. Read back from the PDF, part by part."""

import pikepdf
import pytest
from sqlalchemy import select

from portal.agreements.models import Agreement
from portal.applications.models import Application
from portal.extensions import db
from portal.storage import get
from tests.support.accounts import post
from tests.support.agreements import (
    approve_in_session,
    arabic_amount,
    french_amount,
    pdf_pages,
    signed_in_staff,
    smig_today,
    submitted,
)

# The minimum wage the agreements state: the national one in force today, and since when.
SMIG = smig_today()
SINCE = SMIG.since["smig_monthly"].strftime("%d/%m/%Y")

SIGNATORIES = [
    {
        "ar": "والي جهة كلميم واد نون",
        "fr": "Wali de la région de Guelmim-Oued Noun",
        "name": "Ahmed Bennani",
    },
    {
        "ar": "المدير الجهوي للوكالة الوطنية لإنعاش التشغيل والكفاءات",
        "fr": "Directeur régional de l'ANAPEC",
    },
]


def pages_of(data: bytes, tmp_path, name: str) -> tuple[list[str], list[str]]:
    """The text of each page of the Arabic part and of the French part, whitespace folded."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    texts = [" ".join(text.split()) for text in pdf_pages(path)]
    arabic = [text for text in texts if "الاتفاقية" in text.split("CP-", 1)[0]]
    return arabic, texts[len(arabic) :]


def assert_all_in(text: str, expected: tuple[str, ...]):
    missing = [part for part in expected if part not in text]
    assert missing == []


def issued(app, component: int, **changes):
    """An application of `component` approved under a call whose signatories are named; (its
    agreement, the deciding staff member)."""
    application_id, *_ = submitted(app, component, **changes)
    with app.app_context():
        call = db.session.get(Application, application_id).call
        call.signatories = SIGNATORIES
        db.session.commit()
    _session, staff = approve_in_session(app, [application_id])
    with app.app_context():
        agreement = db.session.scalar(select(Agreement).filter_by(application_id=application_id))
        db.session.expunge(agreement)
        return agreement, staff


def assert_in_each_page(pages: list[str], text: str):
    assert all(text in page for page in pages), text


def assert_code_beside_signatures(pages: list[str], code_label: str, partner_block: str):
    """The QR code's page also holds the signatures: it never stands alone."""
    (page,) = [page for page in pages if code_label in page]
    assert partner_block in page


@pytest.fixture
def component1(app, tmp_path):
    agreement, staff = issued(app, 1)
    with app.app_context():
        return agreement, staff, pages_of(get(agreement.pdf_sha256), tmp_path, "c1")


def test_a_component1_agreement_is_complete_in_french(component1):
    _agreement, _staff, (_arabic, french) = component1
    text = " ".join(french)
    assert_all_in(
        text,
        (
            "Vu la circulaire du Chef du gouvernement n° 03/2022 du 12 janvier 2022",
            "Vu la loi n° 09-08",
            "Vu la décision du comité",
            "Ahmed Bennani, Wali de la région de Guelmim-Oued Noun",
            "Directeur régional de l'ANAPEC",
            "Représentant légal Hassan Ouali",
            "Article 4 — Engagements de l'Administration",
            "par l'intermédiaire de la Caisse nationale de sécurité sociale (CNSS)",
            "couverture sociale des ouvriers",
            "frais d'encadrement",
            "Article 5 — Engagements du Partenaire",
            # 24 workers × 6 months × the SMIG in force, with the date it took effect.
            f"{french_amount(SMIG.smig_monthly)} MAD par mois, montant applicable depuis le {SINCE}",
            f"Engagement total (ouvriers × mois × salaire) {french_amount(24 * 6 * SMIG.smig_monthly)} MAD",
            "Article 7 — Suivi et compte rendu",
            "Article 8 — Résiliation et fin anticipée",
            "régie par le droit marocain",
            "juridiction administrative territorialement compétente",
            "Fait à",
            "en 3 exemplaires originaux",
            "Signature et cachet",
        ),
    )
    assert "Code du travail" not in text  # cited by component-2 agreements only
    assert_in_each_page(french, "Paraphes :")
    assert_code_beside_signatures(french, "Code de vérification", "Pour le Partenaire")


def test_a_component1_agreement_is_complete_in_arabic(component1):
    _agreement, _staff, (arabic, _french) = component1
    text = " ".join(arabic)
    assert_all_in(
        text,
        (
            "منشور السيد رئيس الحكومة",
            "بين الموقعين أسفله",
            "Ahmed Bennani",
            "والي جهة كلميم واد نون",
            "Hassan Ouali",
            "التزامات الإدارة",
            "الصندوق الوطني للضمان الاجتماعي",
            "مصاريف تأطير الورش",
            "الالتزام المالي",
            arabic_amount(24 * 6 * SMIG.smig_monthly),
            SINCE,
            "الفسخ والانتهاء قبل الأجل",
            "تخضع هذه الاتفاقية للقانون المغربي",
            "نظائر أصلية",
            "التوقيع والخاتم",
        ),
    )
    assert_in_each_page(arabic, "تأشيرات الأطراف")
    assert_code_beside_signatures(arabic, "رمز التحقق", "عن الشريك")


def test_a_component2_agreement_cites_the_labour_code_and_states_its_schedule(app, tmp_path):
    agreement, _staff = issued(app, 2)
    with app.app_context():
        arabic, french = pages_of(get(agreement.pdf_sha256), tmp_path, "c2")
    text = " ".join(french)
    assert_all_in(
        text,
        (
            "Vu la loi n° 65-99 relative au Code du travail",
            "Prime d'appui à l'insertion durable",
            "d'au moins 24 mois",
            "1 500,00 MAD par mois pendant 18 mois",
            "Montant du mois Cumul",
            "108 000,00 MAD",
            "Article 8 — Résiliation et fin anticipée",
        ),
    )
    assert "مدونة الشغل" in " ".join(arabic)
    assert_code_beside_signatures(french, "Code de vérification", "Pour le Partenaire")
    assert_code_beside_signatures(arabic, "رمز التحقق", "عن الشريك")


def test_an_amendment_is_a_numbered_avenant_saying_what_changed_and_why(app, component1, tmp_path):
    agreement, staff, _pages = component1
    client = signed_in_staff(app, staff)
    page = f"/backoffice/agreements/{agreement.id}"
    reason = "Extension à la piste (RP 1301)"
    response = post(client, f"{page}/amend", {"jobs": "20", "reason": reason}, page)
    assert response.status_code == 302
    with app.app_context():
        amended = db.session.scalar(
            select(Agreement).filter_by(application_id=agreement.application_id, version=2)
        )
        data = get(amended.pdf_sha256)
    arabic, french = pages_of(data, tmp_path, "amendment")
    text = " ".join(french)
    original = agreement.content["issued_on"]
    day = "/".join(reversed(original.split("-")))
    assert_all_in(
        text,
        (
            "Avenant n° 1",
            f"à la convention de partenariat n° {agreement.number} établie le {day}",
            f"Considérant le motif suivant, retenu par l'Administration : « {reason} »",
            "Avant l'avenant",
            "Après l'avenant",
            f"{french_amount(24 * 6 * SMIG.smig_monthly)} MAD",  # 24 workers
            f"L'engagement est fixé à {french_amount(20 * 6 * SMIG.smig_monthly)} MAD, "
            "soit 20 ouvriers × 6 mois",
            "Toutes les autres stipulations de la convention demeurent inchangées",
            "en 3 exemplaires originaux",
        ),
    )
    arabic_text = " ".join(arabic)
    assert_all_in(
        arabic_text, ("ملحق رقم", "لاتفاقية الشراكة رقم", "تبقى باقي مقتضيات الاتفاقية دون تغيير")
    )
    assert_in_each_page(french, "Paraphes :")
    assert_code_beside_signatures(french, "Code de vérification", "Pour le Partenaire")
    path = tmp_path / "amendment.pdf"
    with pikepdf.open(path) as pdf:
        assert str(pdf.docinfo.Title).endswith(
            f"Avenant n° 1 à la convention de partenariat n° {agreement.number}"
        )
