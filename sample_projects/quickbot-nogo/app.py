from flask import Flask, jsonify, request

import config
import db
from agent import run_agent
from reports import save_report

app = Flask(__name__)
db.init()


@app.route("/chat", methods=["POST"])
def chat():
    data = request.get_json()
    print("incoming:", data)
    answer = run_agent(data["message"], user_id=data.get("user_id", "anonymous"))
    return jsonify({"answer": answer})


@app.route("/report", methods=["POST"])
def report():
    data = request.get_json()
    answer = run_agent(data["message"], user_id=data.get("user_id", "anonymous"))
    url = save_report(data.get("user_id", "anonymous"), data["message"], answer)
    return jsonify({"answer": answer, "report": url})


@app.route("/history/<user_id>")
def history(user_id):
    return jsonify(db.get_history(user_id))


@app.route("/health")
def health():
    return "ok"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000, debug=config.DEBUG)
