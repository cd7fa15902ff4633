"""The API's blueprint, in a module of its own so the route modules import it without importing
the package that imports them."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, template_folder="templates")
