"""How the server runs (``workspace.settings.decide``): sign-in, one local user, or the setup page.

Secrets are read by Streamlit's own ``Secrets`` from real files, as the app reads them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from streamlit import config
from streamlit.runtime.secrets import Secrets

from workspace.settings import SettingsError, decide, is_loopback

AUTH = {"auth": {"client_id": "x", "cookie_secret": secrets.token_hex(32)}}
PUBLIC = "0.0.0.0"


def given(secrets_: dict) -> Callable[[], dict]:
    return lambda: secrets_


@pytest.fixture
def secrets_file(tmp_path) -> Iterator[Callable[[str], Callable[[], dict]]]:
    """Streamlit's secrets reader pointed at a file written with the given text (as ``st.secrets.to_dict``)."""
    before = config.get_option("secrets.files")

    def reader(text: str | None) -> Callable[[], dict]:
        path = tmp_path / "secrets.toml"
        if text is not None:
            path.write_text(text)
        config.set_option("secrets.files", [str(path)])
        return Secrets().to_dict

    yield reader
    config.set_option("secrets.files", before)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.1.1", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_a_loopback_address_is_this_machine_only(address):
    assert is_loopback(address)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::", "192.168.1.5", "example.com", "localhost.evil"])
def test_every_interface_another_address_or_a_host_name_is_not(address):
    assert not is_loopback(address)


def test_given_an_auth_section_when_deciding_then_people_sign_in_wherever_the_server_listens():
    for address in (PUBLIC, "127.0.0.1"):
        assert decide(given(AUTH), {"HINGE_REVIEW_LOCAL": "1"}, address).mode == "sign_in"


def test_given_no_secrets_on_a_loopback_address_when_deciding_then_one_local_user(secrets_file):
    decision = decide(secrets_file(None), {}, "127.0.0.1")
    assert (decision.mode, decision.settings.sign_in) == ("local", False)


def test_given_no_auth_on_a_public_address_when_deciding_then_only_the_setup_page(secrets_file):
    assert decide(secrets_file(None), {}, PUBLIC).mode == "setup"
    assert decide(secrets_file('[hinge_review]\ncoach_emails = ["c@x.com"]\n'), {}, None).mode == "setup"


@pytest.mark.parametrize(
    ("secrets_", "environ"),
    [({}, {"HINGE_REVIEW_LOCAL": "1"}), ({}, {"HINGE_REVIEW_LOCAL": " on "}), ({"hinge_review": {"local": True}}, {})],
)
def test_given_local_mode_chosen_when_deciding_then_one_local_user_on_any_address(secrets_, environ):
    assert decide(given(secrets_), environ, PUBLIC).mode == "local"


def test_given_local_mode_refused_when_deciding_then_the_setup_page_even_on_loopback():
    """Behind a reverse proxy on the same machine the server listens on 127.0.0.1 yet is public."""
    assert decide(given({}), {"HINGE_REVIEW_LOCAL": "0"}, "127.0.0.1").mode == "setup"
    refused = {"hinge_review": {"local": False}}
    assert decide(given(refused), {"HINGE_REVIEW_LOCAL": "1"}, "127.0.0.1").mode == "setup"  # secrets win


def test_given_an_unclear_local_switch_when_deciding_then_a_plain_message_says_what_it_takes():
    with pytest.raises(SettingsError, match="HINGE_REVIEW_LOCAL must be 1 or 0"):
        decide(given({}), {"HINGE_REVIEW_LOCAL": "maybe"}, "127.0.0.1")


def test_given_secrets_that_cannot_be_parsed_when_deciding_then_a_plain_message_names_the_file(secrets_file):
    broken = secrets_file('[auth\nclient_id = "x"\n')
    with pytest.raises(SettingsError) as raised:
        decide(broken, {"HINGE_REVIEW_LOCAL": "1"}, "127.0.0.1")
    message = raised.value.message
    assert "could not be read" in message and "secrets.toml" in message and "line 1" in message
    assert "Traceback" not in message


def test_given_a_forgeable_auth_section_when_deciding_then_the_cookie_secret_is_refused(secrets_file):
    with pytest.raises(SettingsError, match="cookie_secret"):
        decide(secrets_file('[auth]\ncookie_secret = "change me"\n'), {}, "127.0.0.1")


def test_given_a_readable_secrets_file_when_deciding_then_its_settings_are_used(secrets_file):
    text = f'[auth]\nclient_id = "x"\ncookie_secret = "{secrets.token_hex(32)}"\n[hinge_review]\nstart_worker = false\n'
    decision = decide(secrets_file(text), {}, PUBLIC)
    assert (decision.mode, decision.settings.start_worker) == ("sign_in", False)
