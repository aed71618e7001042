from flask import Blueprint

bp = Blueprint("wecom", __name__)
