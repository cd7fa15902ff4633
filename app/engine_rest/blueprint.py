from flask import Blueprint

bp = Blueprint("engine_rest", __name__)
