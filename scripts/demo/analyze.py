def main(log): log("analyze: stub")
