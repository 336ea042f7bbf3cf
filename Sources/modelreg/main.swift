print("modelreg")
