using Xunit;

namespace Ligbox.Testing.Processes;

public static class ProcessAssert
{
    /// <summary>Waits up to 5 s for a process to be gone (a zombie counts as gone).</summary>
    public static async Task ExitsAsync(int pid)
    {
        for (var i = 0; i < 50; i++)
        {
            var stat = $"/proc/{pid}/stat";
            if (!File.Exists(stat) || File.ReadAllText(stat).Split(' ')[2] == "Z")
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"process {pid} is still running");
    }
}
