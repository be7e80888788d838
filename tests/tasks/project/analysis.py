# Data analysis: a CSV read with pandas, grouped and summed, numpy on the result.
import io
import numpy as np
import pandas as pd

csv = "region,product,units,price\nnorth,apple,10,1.5\nsouth,apple,4,1.5\nnorth,pear,3,2.0\nsouth,pear,7,2.0\n"
df = pd.read_csv(io.StringIO(csv))
df["revenue"] = df.units * df.price
by = df.groupby("region")["revenue"].sum()
assert by.to_dict() == {"north": 21.0, "south": 20.0}, by
assert np.isclose(np.mean(df.revenue.to_numpy()), 10.25)
df.to_csv("out/revenue.csv", index=False)
print("pandas", pd.__version__, "numpy", np.__version__, dict(by))
