"""The handler grants routes a 财政复核 to is the one the login asks a second factor of; the
department handler who approved it first logs in with a password."""

from __future__ import annotations

from huiqi.grants import access, review
from huiqi.grants import applications as apps
from huiqi.kit.security import hash_password
from huiqi.models.user import User
from tests.fixtures.pages import PASSWORD
from tests.fixtures.web import login
from tests.grants.conftest import World


def test_the_finance_reviewer_of_an_application_must_use_a_second_factor(world: World,
                                                                        web) -> None:
    app = world.do(apps.submit, world.ent_a, item_id="testville.loan",
                   facts={"loan_amount": "2000000"})
    assert world.do(review.approve, world.dept, app.id).status == "finance_review"
    with world.tx() as s:
        app = s.get(type(app), app.id)
        assert access.is_finance_reviewer(s, world.finance, app)
        assert not access.is_finance_reviewer(s, world.dept, app)
        for who in (world.finance, world.dept):
            s.get(User, who.user_id).password_hash = hash_password(PASSWORD)
    client = web.anonymous()
    finance = login(client, (world.finance.username, PASSWORD), second_step=False)
    assert finance.status_code == 303 and finance.headers["location"] == "/login/enrol"
    assert "huiqi_session" not in client.cookies
    dept = web.anonymous()
    answered = login(dept, (world.dept.username, PASSWORD), second_step=False)
    assert answered.status_code == 303 and answered.headers["location"] == "/"
    assert "huiqi_session" in dept.cookies
    # With the second step answered (enrolment), the finance reviewer does the 财政复核 page.
    reviewer = web.page("finance")
    assert reviewer.get(f"/grants/applications/{app.id}").status_code == 200
