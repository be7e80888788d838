# A FastAPI app through its test client (starlette's TestClient, on httpx), with pydantic models.
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    price: float


app = FastAPI()


@app.post("/items")
def create(item: Item):
    return {"name": item.name.upper(), "with_tax": round(item.price * 1.2, 2)}


c = TestClient(app)
r = c.post("/items", json={"name": "pen", "price": 2.5})
assert r.status_code == 200 and r.json() == {"name": "PEN", "with_tax": 3.0}, r.text
r = c.post("/items", json={"name": "pen"})
assert r.status_code == 422, r.text
print("fastapi ok")
