# A spreadsheet round trip: written with openpyxl and with XlsxWriter, read back with openpyxl,
# and read into pandas.
import openpyxl
import pandas as pd
import xlsxwriter

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "sales"
ws.append(["item", "qty"])
ws.append(["apple", 3])
ws.append(["pear", 5])
ws["C1"] = "=SUM(B2:B3)"
wb.save("out/book.xlsx")
rb = openpyxl.load_workbook("out/book.xlsx")
rows = list(rb["sales"].iter_rows(values_only=True))
assert rows[1:] == [("apple", 3, None), ("pear", 5, None)], rows
assert rows[0][2] == "=SUM(B2:B3)"

x = xlsxwriter.Workbook("out/x.xlsx")
s = x.add_worksheet("t")
s.write_row(0, 0, ["k", "v"])
s.write_row(1, 0, ["a", 42])
x.close()
df = pd.read_excel("out/x.xlsx", sheet_name="t", engine="openpyxl")
assert df.v.tolist() == [42], df
print("openpyxl", openpyxl.__version__, "rows", len(rows))
