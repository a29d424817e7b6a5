using System.CommandLine;
using Liberterra.Command.Cli;

var root = new RootCommand("Liberterra.Command: the command center's command line.");
root.Options.Add(ServerOptions.Server);
root.Options.Add(ServerOptions.Token);
root.Subcommands.Add(FieldCommands.CreateReport());
root.Subcommands.Add(FieldCommands.CreateCorrect());
root.Subcommands.Add(FieldCommands.CreateStatus());
root.Subcommands.Add(WatchCommand.Create());
root.Subcommands.Add(TimelineCommands.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(ScenarioCommands.Create());
root.Subcommands.Add(DatabaseCommands.Create());
root.Subcommands.Add(AccessCommands.CreateToken());
root.Subcommands.Add(AccessCommands.CreateAudit());
return await root.Parse(args).InvokeAsync();
