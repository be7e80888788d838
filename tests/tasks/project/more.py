# The other everyday libraries: rich, tqdm, tabulate, markdown, pypdf, python-docx, httpx, yaml.
import io
import docx
import httpx
import markdown
import pypdf
import yaml
from rich.console import Console
from tabulate import tabulate
from tqdm import tqdm

assert sum(tqdm(range(100), disable=True)) == 4950
assert "| a   |   1 |" in tabulate([["a", 1]], headers=["k", "v"], tablefmt="github")
assert markdown.markdown("# Hi *there*") == "<h1>Hi <em>there</em></h1>"
con = Console(file=io.StringIO(), width=40)
con.print("[bold]ok[/bold]")
assert con.file.getvalue().strip() == "ok"
d = docx.Document()
d.add_heading("Report", 0)
d.add_paragraph("Numbers went up.")
d.save("out/report.docx")
assert [p.text for p in docx.Document("out/report.docx").paragraphs] == ["Report", "Numbers went up."]
w = pypdf.PdfWriter()
w.add_blank_page(width=200, height=100)
w.add_metadata({"/Title": "blank"})
with open("out/blank.pdf", "wb") as f:
    w.write(f)
r = pypdf.PdfReader("out/blank.pdf")
assert len(r.pages) == 1 and r.metadata.title == "blank"
assert yaml.safe_load("a: [1, 2]") == {"a": [1, 2]}
assert httpx.URL("http://example.test/a?b=1").params["b"] == "1"
print("more ok")
