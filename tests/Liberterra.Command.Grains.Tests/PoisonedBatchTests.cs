using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains.Tests;

/// <summary>
/// The second wall behind the API's checks: a command whose content the database itself refuses (here an actor with a
/// NUL, which PostgreSQL cannot store in text) is refused alone, and the commands that shared its batch commit.
/// </summary>
[Collection(ClusterCollection.Name)]
public class when_the_database_refuses_one_command_of_a_batch(ClusterFixture fixture)
{
    [Fact]
    public async Task only_that_command_is_refused_and_the_rest_of_its_batch_commits()
    {
        var op = await fixture.NewOperation();
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        var shared = false;
        for (var round = 0; round < 10 && !shared; round++)
        {
            var badKey = $"bad-{round}-{Guid.NewGuid():N}";
            var innocent = Enumerable.Range(0, 20).Select(i => $"ok-{round}-{i}-{Guid.NewGuid():N}").ToList();
            var before = (await grain.GetState())!.Totals;
            var commands = innocent.Take(10).Select(k => (k, "lead"))
                .Append((badKey, "lead\u0000with a NUL"))
                .Concat(innocent.Skip(10).Select(k => (k, "lead")))
                .Select(c => grain.Submit(new TeamCommand(op, "AR-RAID-01", c.Item1, c.Item2, null,
                    new FieldReported(new FieldReport(null, new Tally(1, 0, 0, 0), [], null, null)))))
                .ToList();
            var outcomes = await Task.WhenAll(commands);

            var bad = outcomes[10];
            Assert.Equal(DomainErrorKind.Validation, bad.Error?.Kind);
            Assert.Null(bad.Event);
            Assert.All(outcomes.Where((_, i) => i != 10), o => Assert.Null(o.Error));
            var state = (await grain.GetState())!;
            Assert.Equal(before.Children + 20, state.Totals.Children);
            // Gap-free and each innocent report once, under the numbers their answers gave.
            var stored = await fixture.Timeline.ReadAsync(op, 0).ToListAsync();
            Assert.Equal(Enumerable.Range(1, stored.Count).Select(n => (long)n), stored.Select(e => e.Seq));
            Assert.DoesNotContain(stored, e => e.IdempotencyKey == badKey);
            foreach (var (key, outcome) in innocent.Zip(outcomes.Where((_, i) => i != 10)))
                Assert.Equal(outcome.Event!.Seq, Assert.Single(stored, e => e.IdempotencyKey == key).Seq);
            shared = fixture.Timeline.Appends.Any(batch => batch.Length > 1 && batch.Contains(badKey));

            // A retry of the refused command is refused again, never a 503 that never clears.
            var retry = await grain.Submit(new TeamCommand(op, "AR-RAID-01", badKey, "lead\u0000with a NUL", null,
                new FieldReported(new FieldReport(null, new Tally(1, 0, 0, 0), [], null, null))));
            Assert.Equal(DomainErrorKind.Validation, retry.Error?.Kind);
        }

        Assert.True(shared, "the refused command never shared a batch with others in 10 rounds");
    }
}
