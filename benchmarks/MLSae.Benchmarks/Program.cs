using BenchmarkDotNet.Running;
using MLSae.Benchmarks;

// dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- [--quick] [BenchmarkDotNet args, e.g. --filter *Scoring*]
var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, BenchConfig.Create(quick));
