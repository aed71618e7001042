from flask import Blueprint

bp = Blueprint("dingtalk", __name__)
