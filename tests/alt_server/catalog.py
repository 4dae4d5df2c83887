"""The documented catalog (spec §5), in this server's own shape of model entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MEGABYTE = 2**20
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
KIND_TYPES = {
    "image": IMAGE_TYPES,
    "video": ("video/mp4", "video/quicktime", "video/webm"),
    "audio": ("audio/mpeg", "audio/mp4", "audio/wav", "audio/x-wav", "audio/aac", "audio/ogg"),
}
KIND_LIMITS = {"image": 10 * MEGABYTE, "video": 50 * MEGABYTE, "audio": 10 * MEGABYTE}


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    cost: int
    prompt_max: int
    params: tuple[tuple[str, tuple[str, ...]], ...]  # key, options (the first is the default)
    max_files: int = 0
    max_megabytes: int = 0

    def options(self, key: str) -> tuple[str, ...] | None:
        return dict(self.params).get(key)

    @property
    def takes_references(self) -> bool:
        return self.max_files > 0


RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "auto")
MODELS = {
    m.id: m
    for m in (
        Model(
            "gpt-image-2",
            "GPT Image 2",
            3,
            20000,
            (
                ("aspect_ratio", ("1:1", "auto", "9:16", "16:9", "4:3", "3:4")),
                ("resolution", ("1K", "2K", "4K")),
            ),
            16,
            10,
        ),
        Model(
            "gpt-image-1-5",
            "GPT Image 1.5",
            4,
            20000,
            (("quality", ("medium", "high")), ("aspect_ratio", ("1:1", "2:3", "3:2"))),
            16,
            10,
        ),
        Model("4o-image", "4o Image", 3, 20000, (("size", ("1:1", "3:2", "2:3")),)),
        Model("z-image", "Z-Image", 1, 1000, (("aspect_ratio", ("1:1", "4:3", "3:4", "16:9", "9:16")),)),
        Model(
            "nano-banana",
            "Nano Banana",
            3,
            5000,
            (
                ("imageSize", ("1:1", "9:16", "16:9", "3:4", "4:3", "3:2", "2:3", "5:4", "4:5", "21:9", "auto")),
                ("output_format", ("png", "jpeg")),
            ),
            10,
            10,
        ),
        Model(
            "nano-banana-2",
            "Nano Banana 2",
            5,
            20000,
            (
                ("aspect_ratio", ("auto", "1:1", "16:9", "9:16", "3:2", "2:3", "4:3", "3:4", "5:4", "4:5", "21:9", "4:1", "1:4", "8:1", "1:8")),
                ("resolution", ("1K", "2K", "4K")),
                ("output_format", ("jpg", "png")),
                ("google_search", ("false", "true")),
            ),
            14,
            30,
        ),
        Model(
            "nano-banana-pro",
            "Nano Banana Pro",
            8,
            10000,
            (
                ("aspect_ratio", RATIOS),
                ("resolution", ("1K", "2K", "4K")),
                ("output_format", ("png", "jpg")),
            ),
            8,
            30,
        ),
    )
}  # fmt: skip


def entry(model: Model) -> dict[str, Any]:
    """The model as GET /models lists it (z-image exactly as documented)."""
    refs = model.takes_references
    return {
        "id": model.id,
        "display_name": model.name,
        "category": "image",
        "runtime": "async_task",
        "base_credits": model.cost,
        "billing_type": "FIXED",
        "supported_modes": ["text-to-image", "image-to-image"] if refs else ["text-to-image"],
        "max_prompt_length": model.prompt_max,
        "reference_media": _references(model) if refs else None,
        "params": [
            {
                "key": key,
                "type": "select",
                "default": options[0],
                "options": list(options),
                "description": f"{key} of the image",
            }
            for key, options in model.params
        ],
        "api_status": "available",
        "api_input_status": "text_and_files" if refs else "available_text",
        "supported_api_inputs": ["text", "file"] if refs else ["text"],
        "requires_files_api": False,
        "requires_upload_for_modes": ["image-to-image"] if refs else [],
        "url_input_supported": refs,
        "file_kinds": ["image"] if refs else [],
        "chat_capabilities": None,
        "notices": [{"level": "info", "text": "References may be any https URL."}] if refs else [],
    }


def _references(model: Model) -> dict[str, Any]:
    return {
        "max_files": model.max_files,
        "kinds": ["image"],
        "limits": {
            "image": {"max_bytes": model.max_megabytes * MEGABYTE, "mime_types": list(IMAGE_TYPES)}
        },
    }
