namespace MLSae.Evaluation.Consistency;

/// <summary>
/// Maximum-weight perfect matching of the rows of a score matrix to distinct columns (rows &lt;= columns): the
/// Hungarian algorithm with potentials and shortest augmenting paths, O(rows^2 x columns).
/// </summary>
public static class LinearAssignment
{
    /// <summary>
    /// For each row r of <paramref name="score"/> [rows, columns] (row-major), the column assigned to it, so that the
    /// assigned scores sum to their maximum.
    /// </summary>
    public static int[] Maximize(ReadOnlySpan<float> score, int rows, int columns)
    {
        if (rows > columns) throw new ArgumentException($"Assignment needs rows <= columns (got {rows} x {columns}); transpose the matrix.", nameof(rows));
        if (score.Length != (long)rows * columns) throw new ArgumentException($"The score matrix has {score.Length} entries, not {rows} x {columns}.", nameof(score));
        // Minimise cost = -score. Arrays are 1-based: index 0 is the virtual start of each augmenting path.
        var u = new double[rows + 1];
        var v = new double[columns + 1];
        var rowOfColumn = new int[columns + 1];
        var way = new int[columns + 1];
        var minSlack = new double[columns + 1];
        var used = new bool[columns + 1];
        for (int r = 1; r <= rows; r++)
        {
            rowOfColumn[0] = r;
            int column = 0;
            Array.Fill(minSlack, double.PositiveInfinity);
            Array.Clear(used);
            do
            {
                used[column] = true;
                int row = rowOfColumn[column], next = 0;
                double delta = double.PositiveInfinity;
                var scoreRow = score.Slice((row - 1) * columns, columns);
                for (int c = 1; c <= columns; c++)
                {
                    if (used[c]) continue;
                    double slack = -scoreRow[c - 1] - u[row] - v[c];
                    if (slack < minSlack[c]) { minSlack[c] = slack; way[c] = column; }
                    if (minSlack[c] < delta) { delta = minSlack[c]; next = c; }
                }
                for (int c = 0; c <= columns; c++)
                {
                    if (used[c]) { u[rowOfColumn[c]] += delta; v[c] -= delta; }
                    else minSlack[c] -= delta;
                }
                column = next;
            }
            while (rowOfColumn[column] != 0);
            do
            {
                int previous = way[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            }
            while (column != 0);
        }
        var assignment = new int[rows];
        for (int c = 1; c <= columns; c++)
            if (rowOfColumn[c] != 0) assignment[rowOfColumn[c] - 1] = c - 1;
        return assignment;
    }
}
