# A Flask app through its test client.
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    return jsonify(greeting="hello " + request.args.get("name", "world"))


@app.post("/sum")
def total():
    return jsonify(total=sum(request.get_json()["n"]))


c = app.test_client()
r = c.get("/hello?name=ada")
assert r.status_code == 200 and r.get_json() == {"greeting": "hello ada"}, r.data
r = c.post("/sum", json={"n": [1, 2, 3]})
assert r.get_json() == {"total": 6}, r.data
assert c.get("/nope").status_code == 404
print("flask ok")
