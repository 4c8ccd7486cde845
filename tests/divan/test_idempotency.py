"""The idempotency kernel against the real Redis: keys, fingerprints, claims and their lifetimes."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import override_settings

from divan.idempotency import (
    CLAIM_TTL_SECONDS,
    DONE,
    IN_FLIGHT,
    MAX_KEY_LENGTH,
    Claim,
    IdempotencyKeyInFlight,
    IdempotencyKeyMalformed,
    IdempotencyKeyReused,
    StoredResponse,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    idempotency_state,
    parse_key,
    record_key,
    request_fingerprint,
)
from divan.redis import get_redis, redis_key

FINGERPRINT = request_fingerprint(method="POST", path="/things/", data={"name": "a"})


def _claim(user_id: int = 1, key: str = "key-1", fingerprint: str = FINGERPRINT):
    return idempotency_claim(user_id=user_id, key=key, fingerprint=fingerprint)


def _complete(claim: Claim, body: str = '{"id":1}') -> bool:
    return idempotency_complete(
        claim=claim, status_code=201, content_type="application/json", body=body
    )


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["a", "8e03978e-40d5-43e8-bc93-6894a57f9324", '"sf-string"', "x" * MAX_KEY_LENGTH, "a b~!"],
)
def test_well_formed_keys_are_kept_verbatim(raw):
    assert parse_key(raw) == raw


def test_surrounding_whitespace_is_dropped_like_http_does():
    assert parse_key("  key-1 ") == "key-1"


@pytest.mark.parametrize(
    "raw", ["", "   ", "x" * (MAX_KEY_LENGTH + 1), "clé", "tab\there", "nul\x00", "del\x7f"]
)
def test_malformed_keys_are_refused(raw):
    with pytest.raises(IdempotencyKeyMalformed) as error:
        parse_key(raw)
    assert error.value.status_code == 400


def test_record_key_is_under_the_run_prefix_and_has_a_fixed_shape():
    short = record_key(user_id=7, key="a")
    long = record_key(user_id=7, key="*" * MAX_KEY_LENGTH)
    assert short.startswith(redis_key("idempotency", 7, ""))
    assert len(short) == len(long)
    assert "*" not in long
    assert record_key(user_id=8, key="a") != short


# --- fingerprints --------------------------------------------------------------------------


def test_fingerprint_ignores_key_order_of_the_body():
    first = request_fingerprint(method="post", path="/p/", data={"a": 1, "b": {"c": 2, "d": 3}})
    second = request_fingerprint(method="POST", path="/p/", data={"b": {"d": 3, "c": 2}, "a": 1})
    assert first == second


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/p/", {"a": 2}),
        ("POST", "/p/", {"a": "1"}),
        ("POST", "/p/", {"a": 1, "b": None}),
        ("POST", "/q/", {"a": 1}),
        ("PUT", "/p/", {"a": 1}),
    ],
)
def test_fingerprint_changes_with_method_path_or_body(method, path, data):
    assert request_fingerprint(method=method, path=path, data=data) != request_fingerprint(
        method="POST", path="/p/", data={"a": 1}
    )


def test_fingerprint_of_form_data_keeps_every_value():
    one = QueryDict("tag=a&tag=b")
    other = QueryDict("tag=a")
    assert request_fingerprint(method="POST", path="/p/", data=one) != request_fingerprint(
        method="POST", path="/p/", data=other
    )
    assert request_fingerprint(method="POST", path="/p/", data=one) == request_fingerprint(
        method="POST", path="/p/", data=QueryDict("tag=a&tag=b")
    )


def test_fingerprint_of_an_upload_is_its_content_and_leaves_it_readable():
    def fingerprint(content: bytes) -> str:
        data = QueryDict(mutable=True)
        upload = SimpleUploadedFile("a.txt", content)
        data["file"] = upload
        result = request_fingerprint(method="POST", path="/p/", data=data)
        assert upload.read() == content
        return result

    assert fingerprint(b"one") == fingerprint(b"one")
    assert fingerprint(b"one") != fingerprint(b"two")


# --- claims --------------------------------------------------------------------------------


def test_first_claim_holds_the_key_in_flight_for_a_bounded_time():
    claim = _claim()
    assert isinstance(claim, Claim)
    assert idempotency_state(user_id=1, key="key-1") == IN_FLIGHT
    assert 0 < get_redis().ttl(claim.record_key) <= CLAIM_TTL_SECONDS


def test_a_second_claim_while_in_flight_is_a_conflict():
    _claim()
    with pytest.raises(IdempotencyKeyInFlight) as error:
        _claim()
    assert error.value.status_code == 409


def test_a_claim_for_a_different_request_is_refused_in_flight_and_done():
    other = request_fingerprint(method="POST", path="/things/", data={"name": "b"})
    claim = _claim()
    with pytest.raises(IdempotencyKeyReused) as error:
        _claim(fingerprint=other)
    assert error.value.status_code == 422
    assert _complete(claim) is True
    with pytest.raises(IdempotencyKeyReused):
        _claim(fingerprint=other)
    assert idempotency_state(user_id=1, key="key-1") == DONE


def test_completed_claim_is_replayed_and_kept_for_the_configured_ttl():
    claim = _claim()
    assert _complete(claim, body='{"id":42}') is True
    assert _claim() == StoredResponse(status=201, content_type="application/json", body='{"id":42}')
    assert 0 < get_redis().ttl(claim.record_key) <= 86400
    assert get_redis().ttl(claim.record_key) > CLAIM_TTL_SECONDS


@override_settings(IDEMPOTENCY_KEY_TTL_SECONDS=30)
def test_a_shorter_configured_ttl_bounds_both_claim_and_answer():
    claim = _claim()
    assert 0 < get_redis().ttl(claim.record_key) <= 30
    _complete(claim)
    assert 0 < get_redis().ttl(claim.record_key) <= 30


def test_release_frees_the_key_for_a_retry():
    claim = _claim()
    idempotency_release(claim=claim)
    assert idempotency_state(user_id=1, key="key-1") is None
    assert get_redis().exists(claim.record_key) == 0
    assert isinstance(_claim(), Claim)


def test_a_stale_claim_neither_completes_nor_releases_a_newer_one():
    stale = _claim()
    idempotency_release(claim=stale)  # as if it had expired
    fresh = _claim()
    assert _complete(stale, body='{"stale":true}') is False
    idempotency_release(claim=stale)
    assert idempotency_state(user_id=1, key="key-1") == IN_FLIGHT
    assert _complete(fresh, body='{"fresh":true}') is True
    assert _claim().body == '{"fresh":true}'


def test_keys_belong_to_one_user():
    claim_a = _claim(user_id=1)
    claim_b = _claim(user_id=2)
    assert isinstance(claim_b, Claim)
    assert claim_a.record_key != claim_b.record_key
    _complete(claim_a, body='{"user":1}')
    assert idempotency_state(user_id=2, key="key-1") == IN_FLIGHT


@pytest.mark.usefixtures("connection_heavy")
def test_concurrent_claims_of_one_key_let_exactly_one_through():
    contenders = 16
    barrier = threading.Barrier(contenders)
    outcomes: list[object] = []
    lock = threading.Lock()

    def contend():
        barrier.wait(timeout=10)
        try:
            outcome = _claim()
        except IdempotencyKeyInFlight as error:
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(outcomes) == contenders
    assert sum(isinstance(outcome, Claim) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, IdempotencyKeyInFlight) for outcome in outcomes) == 15
