"""The compiled profile in an Ecomdrop bot field: chosen by id and read first, written once per
change however often the job runs, refused clearly when the id is unknown."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from app.extensions import db, queue
from app.jobs import resume_pending_agent_profile_writes, write_agent_profile_field
from app.models.types import utcnow
from app.services.agent_profile import (
    EcomdropChoiceProblem,
    WriteResult,
    choose_profile_field,
    load_link,
    profile_changed,
    write_profile_field,
)
from app.services.ai_configuration import AgentSettings, save_agent_settings
from tests.conftest import run_pending_jobs
from tests.factories import PROFILE_FIELD_ID


@pytest.fixture(autouse=True)
def english(profile_world):
    with force_locale("en"):
        yield


def save(shop, name="Sofía"):
    save_agent_settings(shop, AgentSettings(agent_name=name, company_name="ClickShop",
                                            payment_methods="Contra entrega"))


def test_choosing_a_field_reads_it_first_then_writes_the_profile(profile_world):
    save(profile_world.shop)

    outcome = choose_profile_field(profile_world.clients, profile_world.shop, f" {PROFILE_FIELD_ID} ")

    assert outcome.result == WriteResult.WRITTEN
    calls = [(c["method"], c["path"]) for c in profile_world.ecomdrop_calls(path_part="bot_fields")]
    field_path = f"/api/accounts/bot_fields/{PROFILE_FIELD_ID}"
    assert calls == [("GET", field_path), ("GET", field_path), ("POST", field_path)]
    value = profile_world.bot_field(PROFILE_FIELD_ID)["value"]
    assert "Sofía" in value and "Contra entrega" in value
    link = load_link(profile_world.shop)
    assert link.profile_field_name == "PERFIL AGENTE" and link.written_at is not None
    assert link.last_error is None


def test_an_unknown_field_id_is_refused_in_plain_words_and_nothing_is_written(profile_world):
    with pytest.raises(EcomdropChoiceProblem) as refused:
        choose_profile_field(profile_world.clients, profile_world.shop, "123456")

    assert refused.value.message == ("Your Ecomdrop account has no bot field 123456. Open the "
                                     "bot field in Ecomdrop, copy its id and try again.")
    assert profile_world.ecomdrop_calls(method="POST") == []
    assert load_link(profile_world.shop) is None


@pytest.mark.parametrize("typed", ["abc", "12 34", "", "9" * 30])
def test_a_field_id_that_is_not_a_number_never_reaches_ecomdrop(profile_world, typed):
    with pytest.raises(EcomdropChoiceProblem):
        choose_profile_field(profile_world.clients, profile_world.shop, typed)

    assert profile_world.ecomdrop_calls(path_part="bot_fields") == []


def test_a_change_is_written_once_however_many_times_the_job_runs(profile_world):
    save(profile_world.shop)
    choose_profile_field(profile_world.clients, profile_world.shop, str(PROFILE_FIELD_ID))
    save(profile_world.shop, name="Andrés")

    for _delivery in range(3):
        assert profile_changed(profile_world.shop, enqueue=write_agent_profile_field)
    run_pending_jobs()

    posts = profile_world.ecomdrop_calls(method="POST", path_part="bot_fields")
    assert len(posts) == 2  # the first choice, then the change once
    assert "Andrés" in profile_world.bot_field(PROFILE_FIELD_ID)["value"]


def test_nothing_is_written_when_nothing_changed(profile_world):
    save(profile_world.shop)
    choose_profile_field(profile_world.clients, profile_world.shop, str(PROFILE_FIELD_ID))

    outcome = write_profile_field(profile_world.clients, profile_world.shop)

    assert outcome.result == WriteResult.UNCHANGED
    assert len(profile_world.ecomdrop_calls(method="POST", path_part="bot_fields")) == 1


def test_concurrent_writers_write_a_change_once(profile_world):
    save(profile_world.shop)
    choose_profile_field(profile_world.clients, profile_world.shop, str(PROFILE_FIELD_ID))
    save(profile_world.shop, name="Andrés")
    results = profile_world.at_once(
        lambda shop: write_profile_field(profile_world.clients, shop).result)

    assert results.count(WriteResult.WRITTEN) == 1
    assert len(profile_world.ecomdrop_calls(method="POST", path_part="bot_fields")) == 2


def test_a_field_deleted_in_ecomdrop_shows_as_an_error_and_is_not_written(profile_world):
    save(profile_world.shop)
    choose_profile_field(profile_world.clients, profile_world.shop, str(PROFILE_FIELD_ID))
    save(profile_world.shop, name="Andrés")
    link = load_link(profile_world.shop)
    link.profile_field_id = "555"  # as if the merchant's field had disappeared in Ecomdrop
    db.session.commit()

    outcome = write_profile_field(profile_world.clients, profile_world.shop)

    assert outcome.result == WriteResult.FAILED
    assert load_link(profile_world.shop).last_error == (
        "Ecomdrop no longer has the bot field 555. Choose another bot field.")
    assert len(profile_world.ecomdrop_calls(method="POST", path_part="bot_fields")) == 1


def test_no_job_is_queued_without_a_chosen_field(profile_world):
    save(profile_world.shop)

    assert profile_changed(profile_world.shop, enqueue=write_agent_profile_field) is False
    assert run_pending_jobs() == 0


def test_a_change_whose_job_was_lost_or_whose_worker_died_is_written_by_the_sweep(profile_world):
    save(profile_world.shop)
    choose_profile_field(profile_world.clients, profile_world.shop, str(PROFILE_FIELD_ID))
    save(profile_world.shop, name="Andrés")
    profile_changed(profile_world.shop, enqueue=write_agent_profile_field)
    queue.flush()  # the queued job is lost
    link = load_link(profile_world.shop)
    link.pending_since = utcnow() - timedelta(minutes=6)
    link.claimed_digest, link.claimed_at = "a writer that died", utcnow() - timedelta(minutes=3)
    db.session.commit()

    assert resume_pending_agent_profile_writes.call_local() == 1
    run_pending_jobs()

    assert "Andrés" in profile_world.bot_field(PROFILE_FIELD_ID)["value"]
    assert load_link(profile_world.shop).pending_since is None
    assert resume_pending_agent_profile_writes.call_local() == 0
