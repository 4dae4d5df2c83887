"""Result images: real PNGs of the documented size, served from the result URL (spec §6)."""

import struct

import pytest
from support import auth, create

from mockserver.images import png, result_size


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({}, (1024, 1024)),
        ({"resolution": "2K", "aspect_ratio": "16:9"}, (2048, 1152)),
        ({"resolution": "4K", "aspect_ratio": "3:4"}, (3072, 4096)),
        ({"aspect_ratio": "auto"}, (1024, 1024)),
        ({"aspect_ratio": "21:9"}, (1024, 439)),
        ({"size": "2:3"}, (683, 1024)),
        ({"imageSize": "4:5"}, (819, 1024)),
        ({"aspect_ratio": "1:8", "resolution": "4K"}, (512, 4096)),
    ],
)
def test_result_size_follows_resolution_and_aspect(params, size):
    assert result_size(params) == size


def test_short_side_rounds_half_up():
    assert result_size({"aspect_ratio": "4:1", "resolution": "1K"}) == (1024, 256)
    assert result_size({"aspect_ratio": "5:4", "resolution": "2K"}) == (2048, 1638)


def test_png_is_valid_and_cached():
    data = png(4096, 2304)
    assert png_size(data) == (4096, 2304)
    assert png(4096, 2304) is data


def test_result_url_serves_the_png_without_a_key(client, clock):
    body = {
        "model": "gpt-image-2",
        "prompt": "x",
        "params": {"resolution": "2K", "aspect_ratio": "9:16"},
    }
    task_id = create(client, body).json()["id"]
    clock.advance(4)
    url = client.get(f"/api/v1/generations/{task_id}", headers=auth()).json()["result"][
        "primary_url"
    ]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert png_size(response.content) == (1152, 2048)


def test_result_url_is_not_found_before_success(client):
    task_id = create(client).json()["id"]
    assert client.get(f"/cdn/results/{task_id}/0.png").status_code == 404


def test_only_index_zero_exists(client, clock):
    task_id = create(client).json()["id"]
    clock.advance(4)
    assert client.get(f"/cdn/results/{task_id}/1.png").status_code == 404


def test_models_without_resolution_give_1k(client, clock):
    task_id = create(
        client, {"model": "4o-image", "prompt": "x", "params": {"size": "3:2"}}
    ).json()["id"]
    clock.advance(4)
    assert png_size(client.get(f"/cdn/results/{task_id}/0.png").content) == (1024, 683)
