using System.CommandLine;
using Liberterra.Command.Cli;

var root = new RootCommand("Liberterra.Command: the command center's command line.");
root.Options.Add(ServerOptions.Server);
root.Options.Add(ServerOptions.Token);
root.Subcommands.Add(FieldCommands.CreateReport());
root.Subcommands.Add(FieldCommands.CreateCorrect());
root.Subcommands.Add(FieldCommands.CreateStatus());
root.Subcommands.Add(OrderCommands.CreateOrder());
root.Subcommands.Add(OrderCommands.CreateOrders());
root.Subcommands.Add(OrderCommands.CreateDistress());
root.Subcommands.Add(OrderCommands.CreateMessages());
root.Subcommands.Add(WatchCommand.Create());
root.Subcommands.Add(TimelineCommands.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(ScenarioCommands.Create());
root.Subcommands.Add(DatabaseCommands.Create());
root.Subcommands.Add(AccessCommands.CreateToken());
root.Subcommands.Add(AccessCommands.CreateAudit());
root.Subcommands.Add(TakCommands.Create());
var parse = root.Parse(args);
// Help asked for wins over the errors around it ("report --bogus --help" shows the help).
if (parse.Errors.Count > 0 && !args.Any(a => a is "--help" or "-h" or "-?"))
{
    // Bad input is exit code 2 (docs/cli.md), and the errors alone: the help is one --help away.
    foreach (var error in parse.Errors) await Console.Error.WriteLineAsync($"liberterra: {PlainErrors.Describe(error)}");
    var names = new List<string>();
    for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult) names.Insert(0, r.Command.Name);
    names[0] = "liberterra";
    await Console.Error.WriteLineAsync($"Try '{string.Join(' ', names)} --help'.");
    return 2;
}

return await parse.InvokeAsync();
