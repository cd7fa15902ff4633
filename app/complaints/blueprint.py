from flask import Blueprint

bp = Blueprint("complaints", __name__, template_folder="templates")
