import sqlite3

import config


def get_conn():
    return sqlite3.connect(config.DB_PATH)


def init():
    conn = get_conn()
    conn.execute(
        "CREATE TABLE IF NOT EXISTS messages (user_id TEXT, role TEXT, content TEXT, "
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS charges (user_id TEXT, charge_id TEXT, amount INTEGER)"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS emails (user_id TEXT, to_addr TEXT, subject TEXT)")
    conn.commit()
    conn.close()


def save_message(user_id, role, content):
    conn = get_conn()
    conn.execute(
        f"INSERT INTO messages (user_id, role, content) VALUES ('{user_id}', '{role}', ?)",
        (content,),
    )
    conn.commit()
    conn.close()


def record_charge(user_id, charge_id, amount):
    conn = get_conn()
    conn.execute("INSERT INTO charges VALUES (?, ?, ?)", (user_id, charge_id, amount))
    conn.commit()
    conn.close()


def record_email(user_id, to_addr, subject):
    conn = get_conn()
    conn.execute("INSERT INTO emails VALUES (?, ?, ?)", (user_id, to_addr, subject))
    conn.commit()
    conn.close()


def get_history(user_id):
    conn = get_conn()
    rows = conn.execute(
        f"SELECT role, content, created_at FROM messages WHERE user_id = '{user_id}'"
    ).fetchall()
    conn.close()
    return [{"role": r[0], "content": r[1], "at": r[2]} for r in rows]
