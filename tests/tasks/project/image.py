# Image resizing with Pillow: JPEG in, thumbnail out, read back.
from PIL import Image, ImageDraw

im = Image.new("RGB", (640, 480), "white")
ImageDraw.Draw(im).rectangle((100, 100, 300, 200), fill="red")
im.save("out/photo.jpg", quality=90)
src = Image.open("out/photo.jpg")
assert src.format == "JPEG" and src.size == (640, 480)
small = src.resize((160, 120))
small.save("out/thumb.png")
back = Image.open("out/thumb.png")
assert back.size == (160, 120)
r, g, b = back.convert("RGB").getpixel((50, 37))
assert r > 200 and g < 60 and b < 60, (r, g, b)
src.thumbnail((100, 100))
assert src.size == (100, 75), src.size
print("pillow ok")
