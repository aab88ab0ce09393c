"""The sandbox core: what every product shares.

Map of the package (sandbox/):
- `cli.py` (`twilio-sandbox serve`), `core/server.py` (uvicorn on a socket bound first; start failures are one
  line, `StartError`; `core/ports.py` names who holds a taken port), `app.py` (products per host label).
- `core/`: `http.py` (Ctx, route, Product), `params.py`, `paging.py`, `errors.py` (one class per Twilio code),
  `store.py` (SQLite documents, `ResourceTable`), `state.py` (SandboxState: settings, store, backends,
  request log, faults), `clock.py` (the one Clock every backend reads; tests advance it), `sids.py`,
  `middleware.py` (log, faults, auth), `openapi.py` (responses checked against Twilio's OAS), `coverage.py`.
- TaskRouter's routing is the sandbox's own (`taskrouter/expressions.py`, `taskrouter/configuration.py`,
  `taskrouter/routing.py`, written from Twilio's docs): nothing in sandbox/ imports the project's `workflow`
  package (the model the sandbox checks) nor infra/ (the code it is used to test).
- One package per Twilio product, moto-style: `taskrouter/`, `serverless/`, `flex_api/`, `conversations/`,
  `iam/`, each `urls.py` (routes) -> `responses.py` (parse + format) -> `models.py` (`<Product>Backend`:
  state, rules, time). `control.py`: the `/_sandbox/` test API. `seeds/`: named starting states. `testing.py`:
  `SandboxProcess` and `twilio_client` for suites. `runtime/`: the Node host that runs deployed Functions.

To add a product (moto-style), create `sandbox/<product>/` with three modules:
- `models.py` (state + rules): a backend class built once with the `SandboxState`; it keeps its resources in
  `ResourceTable(state.store, "<product>.<kind>", "<SID prefix>")` (store.py: the resources of kind X under
  parent Y, JSON documents, oldest first), reads time from `state.clock` and raises `TwilioError` subclasses
  (errors.py) for Twilio's errors.
- `responses.py` (parse + serialise): handlers `def op(ctx: Ctx) -> dict | (status, dict) | None` (http.py).
  They read `ctx.params` (params.py: repeated keys, JSON-string fields, booleans, uploads, JSON body) and
  `ctx.path`, call `ctx.backend` (never its tables), and render Twilio JSON with absolute
  `ctx.url("/Services/ZS…")` links (`ctx.links(base, {name: part})` for a `links` block; `public(doc)` drops
  the store's own `_` keys). Lists answer `ctx.page(items, key, path, render)` (http.py, over
  paging.py's `paginate`: PageSize/Page/PageToken=PA<sid>, `meta` with absolute URLs).
- `urls.py` (routes): `PRODUCTS = [Product(name="<host label>", routes=[...], backend=<Backend class>)]`, each
  REST resource one `*resource("/v1/…/Things", "<host label>", responses, "thing", "list create fetch")`
  (its list_things, create_thing, … on the collection and on `/{sid}`), any other path one
  `route("/v1/…", "<host label>", GET=…, POST=…)`; and its module name in `sandbox/app.py`
  PRODUCT_MODULES; then regenerate sandbox/COVERAGE.md (`python -m flex_chat_transfer.sandbox.core.coverage`).

Contract tests use `openapi.OasChecker().client(...)`: a twilio Client whose every JSON response is checked
against Twilio's OpenAPI file for the operation.

Requests reach a handler after the middleware (middleware.py): request log, injected faults, HTTP Basic auth
(401/20003). Unknown paths answer 404/20404; other methods on a known path 405/20004.
"""

from flex_chat_transfer.sandbox.core.errors import InvalidParameter, NotFound, TwilioError
from flex_chat_transfer.sandbox.core.http import Ctx, Product, route
from flex_chat_transfer.sandbox.core.paging import paginate
from flex_chat_transfer.sandbox.core.params import Params, Upload
from flex_chat_transfer.sandbox.core.sids import is_sid, mint_sid
from flex_chat_transfer.sandbox.core.state import SandboxState, Settings
from flex_chat_transfer.sandbox.core.store import ResourceTable, Store, now_iso

__all__ = [
    "Ctx",
    "InvalidParameter",
    "NotFound",
    "Params",
    "Product",
    "ResourceTable",
    "SandboxState",
    "Settings",
    "Store",
    "TwilioError",
    "Upload",
    "is_sid",
    "mint_sid",
    "now_iso",
    "paginate",
    "route",
]
