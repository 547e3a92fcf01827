import IDXData
let d = try Dataset.load(.fashion, from: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "data/fashion")
print(d.train.count, d.test.count, d.train.rows, d.train.columns)
