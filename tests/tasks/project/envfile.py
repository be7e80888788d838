# .env loading with python-dotenv.
import os
from dotenv import dotenv_values, load_dotenv

with open(".env.task", "w") as f:
    f.write('API_URL=http://localhost:8000\nAPI_KEY="s3cr3t value"\n# comment\nDEBUG=1\n')
assert dotenv_values(".env.task") == {"API_URL": "http://localhost:8000", "API_KEY": "s3cr3t value", "DEBUG": "1"}
assert load_dotenv(".env.task")
assert os.environ["API_KEY"] == "s3cr3t value"
os.remove(".env.task")
print("dotenv ok")
