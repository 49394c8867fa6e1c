import stripe

import config
import db

stripe.api_key = config.STRIPE_SECRET_KEY


def charge_customer(customer_id, amount_cents, user_id=None):
    print("charging", customer_id, amount_cents)
    charge = stripe.Charge.create(
        amount=amount_cents,
        currency="usd",
        customer=customer_id,
        description="QuickBot premium research report",
    )
    db.record_charge(user_id, charge.id, amount_cents)
    return {"charge_id": charge.id, "status": charge.status}
