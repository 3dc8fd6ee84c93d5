System.Console.WriteLine("QuickStart: under construction");
