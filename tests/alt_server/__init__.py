"""Another correct Rivya API, written without `mockserver`, choosing differently at every [decision].

The contract kit must pass it: a kit that fails a server for a [decision] would raise false alarms
against the real API. Its choices (each one the spec leaves open):

- statuses: create 201, upload 200, a replay 200 answering the task's *current* state,
  `insufficient_credits` 403, unknown routes 404 `route_not_found`, wrong methods 405
  `method_not_allowed`, bodies over 2 MiB 413 `payload_too_large`, malformed JSON `invalid_json`;
- ids `gen_<32 hex>` and `upl_<32 hex>`; a megabyte is 2**20 bytes;
- the catalog's `reference_media` as `{max_files, kinds, limits: {image: {max_bytes, mime_types}}}`,
  params items without `required` but with a `description`, notices with a shape of their own;
- the file object `{id, object, url, kind, filename, content_type, bytes, created}`;
- prompts counted in UTF-16 units, blank prompts accepted, any https reference URL accepted,
  unknown params and unknown reference item keys ignored, `client_request_id` up to 1,000 characters;
- a same-key request arriving while the first is in flight waits for it and replays it;
- no auto-provisioned keys; tasks queue 0.05 s and process 0.15 s of real time; about one in seven
  fails (from a hash of its id); rate limit 3,000 a minute, burst 200, with `Retry-After`;
- credits are checked as soon as the body names a known model, before the rest of it is
  validated (a replay is answered before either); any content type is read as JSON.
"""

from .app import create_app
from .serve import Served, serve

__all__ = ["Served", "create_app", "serve"]
