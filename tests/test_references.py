"""params.referenceMediaItems (spec §5): counts, kinds, ownership, types and duration tokens."""

import pytest
from support import FIXTURES, OTHER_KEY, auth, create, credits, is_error

MEDIA = FIXTURES / "media"


def upload(client, sample="sample.png", kind="image", key="rvya_sk_test_owner_0001"):
    files = {"file": (sample, (MEDIA / sample).read_bytes(), "application/octet-stream")}
    return client.post("/api/v1/files", files=files, data={"kind": kind}, headers=auth(key)).json()


def item(file, **extra):
    return {"url": file["url"], "kind": file["kind"]} | extra


def generate(client, items, model="gpt-image-2", key="rvya_sk_test_owner_0001"):
    body = {"model": model, "prompt": "x", "params": {"referenceMediaItems": items}}
    return create(client, body, key=key)


def rejected(response, text=""):
    return (
        is_error(response, "validation_failed", 400) and text in response.json()["error"]["message"]
    )


def test_upload_then_reference_creates_a_task(client):
    file = upload(client)
    assert (
        generate(client, [item(file, name="sample.png", mimeType="image/png")]).status_code == 202
    )


def test_reference_request_of_the_model_page_shape_is_accepted(client):
    file = upload(client)
    response = generate(
        client,
        [
            {
                "url": file["url"],
                "kind": "image",
                "name": "reference-image.png",
                "mimeType": "image/png",
            }
        ],
    )
    assert response.status_code == 202


def test_sixteen_references_are_accepted_and_seventeen_are_not(client):
    file = upload(client)
    assert generate(client, [item(file)] * 16).status_code == 202
    assert rejected(generate(client, [item(file)] * 17), "at most 16 items")


def test_each_model_has_its_own_maximum(client):
    file = upload(client)
    assert generate(client, [item(file)] * 8, "nano-banana-pro").status_code == 202
    assert rejected(generate(client, [item(file)] * 9, "nano-banana-pro"))


def test_empty_reference_list_is_allowed(client):
    assert generate(client, []).status_code == 202


def test_models_without_references_reject_the_key(client):
    assert rejected(generate(client, [], "z-image"), "params.referenceMediaItems")


def test_reference_host_does_not_matter_only_the_file_id(client):
    file = upload(client)
    url = file["url"].replace("http://testserver", "http://127.0.0.1:9")
    assert generate(client, [{"url": url, "kind": "image"}]).status_code == 202


def test_another_accounts_file_is_rejected(client):
    file = upload(client, key=OTHER_KEY)
    assert rejected(generate(client, [item(file)]), "uploaded")


def test_an_external_url_is_rejected_by_default(client):
    assert rejected(generate(client, [{"url": "https://cdn.example.com/a.png", "kind": "image"}]))


def test_any_https_accepts_external_https_urls(make_client):
    client = make_client(reference_urls="any_https")
    assert (
        generate(client, [{"url": "https://cdn.example.com/a.png", "kind": "image"}]).status_code
        == 202
    )
    assert rejected(generate(client, [{"url": "http://cdn.example.com/a.png", "kind": "image"}]))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "video"}, "kind"),
        ({"mimeType": "image/jpeg"}, "mimeType"),
        ({"mimeType": "image/gif"}, "mimeType"),
        ({"durationSeconds": 1.0}, "durationSeconds"),
        ({"durationToken": "abc"}, "durationToken"),
        ({"size": 10}, "size"),
    ],
)
def test_item_fields_must_match_the_rules(client, extra, field):
    file = upload(client)
    response = generate(client, [item(file) | extra])
    assert rejected(response, f"params.referenceMediaItems[0].{field}"), response.text


@pytest.mark.parametrize("missing", ["url", "kind"])
def test_url_and_kind_are_required(client, missing):
    file = upload(client)
    assert rejected(
        generate(client, [{k: v for k, v in item(file).items() if k != missing}]), missing
    )


def test_file_over_the_models_limit_is_rejected(make_client):
    client = make_client(megabyte=1000)
    png = (MEDIA / "sample.png").read_bytes()
    files = {"file": ("big.png", png + b"\x00" * (20_000 - len(png)), "image/png")}
    big = client.post(
        "/api/v1/files",
        files=files,
        data={"kind": "image", "model": "nano-banana-2"},
        headers=auth(),
    ).json()
    assert generate(client, [item(big)], "nano-banana-2").status_code == 202
    assert rejected(generate(client, [item(big)], "gpt-image-2"), "larger than")


def test_a_rejected_reference_charges_nothing(client):
    generate(client, [{"url": "https://elsewhere/x.png", "kind": "image"}])
    assert credits(client) == 1000


def test_duration_tokens_are_checked_against_their_file():
    from mockserver.catalog import catalog
    from mockserver.durations import duration_token
    from mockserver.files import StoredFile, check_reference

    secret = b"s" * 32
    stored = StoredFile(
        "file_a",
        "acct",
        "video",
        "v.mp4",
        "video/mp4",
        1,
        2.5,
        duration_token(secret, "file_a", 2.5),
        0.0,
        "http://t",
    )
    model = catalog()["gpt-image-2"]
    good = {
        "url": "http://t/cdn/files/file_a/v.mp4",
        "kind": "video",
        "durationToken": stored.duration_token,
        "durationSeconds": 2.505,
    }
    forged = good | {"durationToken": duration_token(secret, "file_b", 2.5)}
    wrong_seconds = good | {"durationSeconds": 3.0}
    check = dict(any_https=False, megabyte=1_000_000, secret=secret)
    from mockserver.errors import ValidationFailed

    # No catalog model takes video today, so the kind check comes first: widen the model here.
    video_model = model.__class__(
        **{
            **model.__dict__,
            "reference_kinds": ("image", "video"),
            "reference_mime_types": ("video/mp4",),
        }
    )
    check_reference(good, "item", stored, video_model, **check)
    for bad, field in ((forged, "durationToken"), (wrong_seconds, "durationSeconds")):
        with pytest.raises(ValidationFailed, match=field):
            check_reference(bad, "item", stored, video_model, **check)
