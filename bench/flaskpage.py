"""The tutorial's Flask app (section 4), the same routes the agent serves, for bench/http."""
import sys
from flask import Flask, request

app = Flask(__name__)
DATA = [{"port": 22, "protocol": "tcp", "service": "ssh"}, {"port": 80, "protocol": "tcp", "service": "http"}]


@app.route("/")
def hello():
    return "Hello World!\n"


@app.route("/index")
def index():
    return "<h1>Hello World</h1>"


@app.route("/index/<name>")
def greet(name):
    return f"<h1>Hello, {name}!</h1>"


@app.route("/data")
def data():
    fmt = request.args.get("format", "json")
    if fmt == "json":
        return {"ports": DATA}
    return f"unknown format {fmt}", 400


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
