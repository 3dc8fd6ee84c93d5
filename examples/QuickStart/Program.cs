var sentences = QuickStart.SdkDocsCorpus.Sentences(600);
System.Console.WriteLine($"{sentences.Count} sentences; e.g. {sentences[0]} | {sentences[300]} | {sentences[599]}");
