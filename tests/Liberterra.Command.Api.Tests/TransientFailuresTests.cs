using Liberterra.Command.Server.Observability;
using Liberterra.Command.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Liberterra.Command.Api.Tests;

public class TransientFailuresTests
{
    [Fact]
    public void a_spell_of_answers_retry_is_two_lines_however_many_there_were_and_a_long_one_a_line_every_30_s()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T10:00:00Z"));
        using var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var failures = new TransientFailures(clock, factory.CreateLogger<TransientFailures>());
        var cause = new TimeoutException("no answer");

        // 3,000 refusals in 12 s (a silo's death, every client retrying): one line when it starts.
        for (var i = 0; i < 3000; i++)
        {
            failures.Record($"POST /api/operations/op/teams/T{i % 4}/reports", cause);
            clock.Advance(TimeSpan.FromMilliseconds(4));
        }

        Assert.Single(logs.Entries);
        Assert.Contains("POST /api/operations/op/teams/T0/reports: TimeoutException: no answer", logs.Entries[0].Message);

        // Then quiet: after 5 s one line says it is over, how many and how long.
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(2, logs.Entries.Count);
        Assert.Contains("3000 times in 12.0 s, now over", logs.Entries[1].Message);
        Assert.All(logs.Entries, e => Assert.Equal(LogLevel.Warning, e.Level));
        Assert.All(logs.Entries, e => Assert.Null(e.Exception));

        // A new spell starts a new count; one that goes on is said to go on every 30 s, not more.
        for (var s = 0; s < 65; s++)
        {
            failures.Record("hub JoinOperation", cause);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(5, logs.Entries.Count);
        Assert.Contains("Answering 'retry'", logs.Entries[2].Message);
        Assert.Contains("Still answering 'retry'", logs.Entries[3].Message);
        Assert.Contains("Still answering 'retry'", logs.Entries[4].Message);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(6, logs.Entries.Count);
        Assert.Contains("65 times in 64.0 s, now over", logs.Entries[5].Message);
    }

    [Fact]
    public void what_counts_as_retry_is_the_cluster_or_the_database_out_of_reach_also_when_wrapped()
    {
        Assert.True(TransientFailures.IsTransient(new TimeoutException()));
        Assert.True(TransientFailures.IsTransient(new InvalidOperationException("wrapped", new Orleans.Runtime.OrleansException("silo gone"))));
        Assert.True(TransientFailures.IsTransient(new OperationCanceledException()));
        Assert.False(TransientFailures.IsTransient(new InvalidOperationException("a bug")));
        Assert.Equal("InvalidOperationException <- TimeoutException: first line",
            TransientFailures.Cause(new InvalidOperationException("outer", new TimeoutException("first line\nsecond line"))));
    }
}
