# A chart to PNG with matplotlib's Agg backend (no display), checked by reading it back with Pillow.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from PIL import Image

fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
ax.bar(["a", "b", "c"], [3, 1, 2])
ax.set_title("units")
fig.savefig("out/chart.png")
with open("out/chart.png", "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n"
im = Image.open("out/chart.png")
assert im.size == (400, 300), im.size
# the bars are drawn: the image is not one colour
assert len(im.convert("RGB").getcolors(1 << 16)) > 2
print("matplotlib", matplotlib.__version__, "png", im.size)
