using System.CommandLine;
using Liberterra.Command.Cli;

var root = new RootCommand("Liberterra.Command: the command center's command line.");
root.Options.Add(ServerOptions.Server);
root.Subcommands.Add(ScenarioCommands.Create());
root.Subcommands.Add(DatabaseCommands.Create());
root.Subcommands.Add(new System.CommandLine.Command("bench", "Benchmarks against a running server.") { StorageBenchmark.Create() });
return await root.Parse(args).InvokeAsync();
