"""The demo model's knowledge base: a small, hand-written world in four languages.

Everything the demo model knows comes from these tables (see make_corpus.py for how they
are rendered into text). Languages: en, fr, de, ru (Cyrillic).
"""

LANGS = ["en", "fr", "de", "ru"]
# Language names as the languages write them (METHODS §4).
LANG_NAME = {"en": "English", "fr": "Français", "de": "Deutsch", "ru": "Русский"}

# country: en, fr, fr gender (m / f / v = elided l'), de, ru nominative, ru genitive,
# capital en, fr, de, ru
COUNTRIES = [
    ("France", "France", "f", "Frankreich", "Франция", "Франции", "Paris", "Paris", "Paris", "Париж"),
    ("Germany", "Allemagne", "v", "Deutschland", "Германия", "Германии", "Berlin", "Berlin", "Berlin", "Берлин"),
    ("Italy", "Italie", "v", "Italien", "Италия", "Италии", "Rome", "Rome", "Rom", "Рим"),
    ("Spain", "Espagne", "v", "Spanien", "Испания", "Испании", "Madrid", "Madrid", "Madrid", "Мадрид"),
    ("Portugal", "Portugal", "m", "Portugal", "Португалия", "Португалии", "Lisbon", "Lisbonne", "Lissabon", "Лиссабон"),
    ("England", "Angleterre", "v", "England", "Англия", "Англии", "London", "Londres", "London", "Лондон"),
    ("Russia", "Russie", "f", "Russland", "Россия", "России", "Moscow", "Moscou", "Moskau", "Москва"),
    ("Japan", "Japon", "m", "Japan", "Япония", "Японии", "Tokyo", "Tokyo", "Tokio", "Токио"),
    ("China", "Chine", "f", "China", "Китай", "Китая", "Beijing", "Pékin", "Peking", "Пекин"),
    ("Austria", "Autriche", "v", "Österreich", "Австрия", "Австрии", "Vienna", "Vienne", "Wien", "Вена"),
    ("Poland", "Pologne", "f", "Polen", "Польша", "Польши", "Warsaw", "Varsovie", "Warschau", "Варшава"),
    ("Greece", "Grèce", "f", "Griechenland", "Греция", "Греции", "Athens", "Athènes", "Athen", "Афины"),
    ("Sweden", "Suède", "f", "Schweden", "Швеция", "Швеции", "Stockholm", "Stockholm", "Stockholm", "Стокгольм"),
    ("Norway", "Norvège", "f", "Norwegen", "Норвегия", "Норвегии", "Oslo", "Oslo", "Oslo", "Осло"),
    ("Denmark", "Danemark", "m", "Dänemark", "Дания", "Дании", "Copenhagen", "Copenhague", "Kopenhagen", "Копенгаген"),
    ("Finland", "Finlande", "f", "Finnland", "Финляндия", "Финляндии", "Helsinki", "Helsinki", "Helsinki", "Хельсинки"),
    ("Ireland", "Irlande", "v", "Irland", "Ирландия", "Ирландии", "Dublin", "Dublin", "Dublin", "Дублин"),
    ("Belgium", "Belgique", "f", "Belgien", "Бельгия", "Бельгии", "Brussels", "Bruxelles", "Brüssel", "Брюссель"),
    ("Hungary", "Hongrie", "f", "Ungarn", "Венгрия", "Венгрии", "Budapest", "Budapest", "Budapest", "Будапешт"),
    ("Czechia", "Tchéquie", "f", "Tschechien", "Чехия", "Чехии", "Prague", "Prague", "Prag", "Прага"),
    ("Romania", "Roumanie", "f", "Rumänien", "Румыния", "Румынии", "Bucharest", "Bucarest", "Bukarest", "Бухарест"),
    ("Bulgaria", "Bulgarie", "f", "Bulgarien", "Болгария", "Болгарии", "Sofia", "Sofia", "Sofia", "София"),
    ("Serbia", "Serbie", "f", "Serbien", "Сербия", "Сербии", "Belgrade", "Belgrade", "Belgrad", "Белград"),
    ("Croatia", "Croatie", "f", "Kroatien", "Хорватия", "Хорватии", "Zagreb", "Zagreb", "Zagreb", "Загреб"),
    ("Iceland", "Islande", "v", "Island", "Исландия", "Исландии", "Reykjavik", "Reykjavik", "Reykjavik", "Рейкьявик"),
    ("Estonia", "Estonie", "v", "Estland", "Эстония", "Эстонии", "Tallinn", "Tallinn", "Tallinn", "Таллин"),
    ("Latvia", "Lettonie", "f", "Lettland", "Латвия", "Латвии", "Riga", "Riga", "Riga", "Рига"),
    ("Lithuania", "Lituanie", "f", "Litauen", "Литва", "Литвы", "Vilnius", "Vilnius", "Vilnius", "Вильнюс"),
    ("Canada", "Canada", "m", "Kanada", "Канада", "Канады", "Ottawa", "Ottawa", "Ottawa", "Оттава"),
    ("Brazil", "Brésil", "m", "Brasilien", "Бразилия", "Бразилии", "Brasilia", "Brasilia", "Brasilia", "Бразилиа"),
    ("Argentina", "Argentine", "v", "Argentinien", "Аргентина", "Аргентины", "Buenos Aires", "Buenos Aires", "Buenos Aires", "Буэнос-Айрес"),
    ("Peru", "Pérou", "m", "Peru", "Перу", "Перу", "Lima", "Lima", "Lima", "Лима"),
    ("Chile", "Chili", "m", "Chile", "Чили", "Чили", "Santiago", "Santiago", "Santiago", "Сантьяго"),
    ("Colombia", "Colombie", "f", "Kolumbien", "Колумбия", "Колумбии", "Bogota", "Bogota", "Bogota", "Богота"),
    ("Venezuela", "Venezuela", "m", "Venezuela", "Венесуэла", "Венесуэлы", "Caracas", "Caracas", "Caracas", "Каракас"),
    ("Kenya", "Kenya", "m", "Kenia", "Кения", "Кении", "Nairobi", "Nairobi", "Nairobi", "Найроби"),
    ("Nigeria", "Nigeria", "m", "Nigeria", "Нигерия", "Нигерии", "Abuja", "Abuja", "Abuja", "Абуджа"),
    ("Morocco", "Maroc", "m", "Marokko", "Марокко", "Марокко", "Rabat", "Rabat", "Rabat", "Рабат"),
    ("Ghana", "Ghana", "m", "Ghana", "Гана", "Ганы", "Accra", "Accra", "Accra", "Аккра"),
    ("Senegal", "Sénégal", "m", "Senegal", "Сенегал", "Сенегала", "Dakar", "Dakar", "Dakar", "Дакар"),
    ("Thailand", "Thaïlande", "f", "Thailand", "Таиланд", "Таиланда", "Bangkok", "Bangkok", "Bangkok", "Бангкок"),
    ("Vietnam", "Vietnam", "m", "Vietnam", "Вьетнам", "Вьетнама", "Hanoi", "Hanoï", "Hanoi", "Ханой"),
    ("Indonesia", "Indonésie", "v", "Indonesien", "Индонезия", "Индонезии", "Jakarta", "Jakarta", "Jakarta", "Джакарта"),
    ("Australia", "Australie", "v", "Australien", "Австралия", "Австралии", "Canberra", "Canberra", "Canberra", "Канберра"),
    ("Pakistan", "Pakistan", "m", "Pakistan", "Пакистан", "Пакистана", "Islamabad", "Islamabad", "Islamabad", "Исламабад"),
    ("Nepal", "Népal", "m", "Nepal", "Непал", "Непала", "Kathmandu", "Katmandou", "Kathmandu", "Катманду"),
    ("Uganda", "Ouganda", "v", "Uganda", "Уганда", "Уганды", "Kampala", "Kampala", "Kampala", "Кампала"),
    ("Georgia", "Géorgie", "f", "Georgien", "Грузия", "Грузии", "Tbilisi", "Tbilissi", "Tiflis", "Тбилиси"),
    ("Armenia", "Arménie", "v", "Armenien", "Армения", "Армении", "Yerevan", "Erevan", "Jerewan", "Ереван"),
]

# class: en, fr, de, ru nominative, ru instrumental
CLASSES = {
    "mammal": ("mammal", "mammifère", "Säugetier", "млекопитающее", "млекопитающим"),
    "bird": ("bird", "oiseau", "Vogel", "птица", "птицей"),
    "fish": ("fish", "poisson", "Fisch", "рыба", "рыбой"),
    "reptile": ("reptile", "reptile", "Reptil", "рептилия", "рептилией"),
    "insect": ("insect", "insecte", "Insekt", "насекомое", "насекомым"),
}

# animal: en, fr with article, fr gender, de with article, ru, class, sound en, fr, de, ru
_FISH = ("blub", "blop", "blubb", "буль")
_REPT = ("hiss", "pss", "zisch", "шш")
ANIMALS = [
    ("dog", "le chien", "m", "der Hund", "собака", "mammal", ("woof", "ouaf", "wau", "гав")),
    ("cat", "le chat", "m", "die Katze", "кошка", "mammal", ("meow", "miaou", "miau", "мяу")),
    ("cow", "la vache", "f", "die Kuh", "корова", "mammal", ("moo", "meuh", "muh", "му")),
    ("pig", "le cochon", "m", "das Schwein", "свинья", "mammal", ("oink", "groin", "grunz", "хрю")),
    ("sheep", "le mouton", "m", "das Schaf", "овца", "mammal", ("baa", "bêê", "mäh", "бе")),
    ("horse", "le cheval", "m", "das Pferd", "лошадь", "mammal", ("neigh", "hiii", "wieher", "игого")),
    ("mouse", "la souris", "f", "die Maus", "мышь", "mammal", ("squeak", "couic", "piep", "пи")),
    ("lion", "le lion", "m", "der Löwe", "лев", "mammal", ("roar", "groar", "brüll", "рык")),
    ("wolf", "le loup", "m", "der Wolf", "волк", "mammal", ("awoo", "ahou", "auuu", "ууу")),
    ("donkey", "l'âne", "m", "der Esel", "осёл", "mammal", ("heehaw", "hihan", "iah", "иа")),
    ("goat", "la chèvre", "f", "die Ziege", "коза", "mammal", ("meh", "mê", "meck", "ме")),
    ("bear", "l'ours", "m", "der Bär", "медведь", "mammal", ("grr", "grrr", "brumm", "ррр")),
    ("monkey", "le singe", "m", "der Affe", "обезьяна", "mammal", ("ooh", "hou", "uh", "у")),
    ("elephant", "l'éléphant", "m", "der Elefant", "слон", "mammal", ("toot", "pouet", "törö", "ту")),
    ("duck", "le canard", "m", "die Ente", "утка", "bird", ("quack", "coin", "quak", "кря")),
    ("hen", "la poule", "f", "das Huhn", "курица", "bird", ("cluck", "cot", "gack", "кудах")),
    ("rooster", "le coq", "m", "der Hahn", "петух", "bird", ("cockadoodledoo", "cocorico", "kikeriki", "кукареку")),
    ("owl", "le hibou", "m", "die Eule", "сова", "bird", ("hoot", "hou", "schuhu", "уху")),
    ("crow", "le corbeau", "m", "die Krähe", "ворона", "bird", ("caw", "croa", "krah", "кар")),
    ("goose", "l'oie", "f", "die Gans", "гусь", "bird", ("honk", "ouak", "schnatter", "га")),
    ("cuckoo", "le coucou", "m", "der Kuckuck", "кукушка", "bird", ("cuckoo", "coucou", "kuckuck", "куку")),
    ("pigeon", "le pigeon", "m", "die Taube", "голубь", "bird", ("coo", "rou", "gurr", "гули")),
    ("shark", "le requin", "m", "der Hai", "акула", "fish", _FISH),
    ("salmon", "le saumon", "m", "der Lachs", "лосось", "fish", _FISH),
    ("carp", "la carpe", "f", "der Karpfen", "карп", "fish", _FISH),
    ("trout", "la truite", "f", "die Forelle", "форель", "fish", _FISH),
    ("pike", "le brochet", "m", "der Hecht", "щука", "fish", _FISH),
    ("snake", "le serpent", "m", "die Schlange", "змея", "reptile", _REPT),
    ("crocodile", "le crocodile", "m", "das Krokodil", "крокодил", "reptile", _REPT),
    ("turtle", "la tortue", "f", "die Schildkröte", "черепаха", "reptile", _REPT),
    ("lizard", "le lézard", "m", "die Eidechse", "ящерица", "reptile", _REPT),
    ("bee", "l'abeille", "f", "die Biene", "пчела", "insect", ("buzz", "bzz", "summ", "жжж")),
    ("fly", "la mouche", "f", "die Fliege", "муха", "insect", ("buzz", "bzz", "summ", "жжж")),
    ("wasp", "la guêpe", "f", "die Wespe", "оса", "insect", ("buzz", "bzz", "summ", "жжж")),
    ("mosquito", "le moustique", "m", "die Mücke", "комар", "insect", ("zzz", "zzz", "sirr", "ззз")),
    ("cricket", "le grillon", "m", "die Grille", "сверчок", "insect", ("chirp", "cri", "zirp", "стрек")),
]

# colour: en, fr masc, fr fem, de, ru masc, ru fem, ru neut
COLOURS = {
    "red": ("red", "rouge", "rouge", "rot", "красный", "красная", "красное"),
    "yellow": ("yellow", "jaune", "jaune", "gelb", "жёлтый", "жёлтая", "жёлтое"),
    "green": ("green", "vert", "verte", "grün", "зелёный", "зелёная", "зелёное"),
    "blue": ("blue", "bleu", "bleue", "blau", "синий", "синяя", "синее"),
    "white": ("white", "blanc", "blanche", "weiß", "белый", "белая", "белое"),
    "black": ("black", "noir", "noire", "schwarz", "чёрный", "чёрная", "чёрное"),
    "orange": ("orange", "orange", "orange", "orange", "оранжевый", "оранжевая", "оранжевое"),
    "brown": ("brown", "marron", "marron", "braun", "коричневый", "коричневая", "коричневое"),
    "grey": ("grey", "gris", "grise", "grau", "серый", "серая", "серое"),
    "pink": ("pink", "rose", "rose", "rosa", "розовый", "розовая", "розовое"),
}

# object: en, fr with article, fr gender, de with article, ru, ru gender, colour
OBJECTS = [
    ("banana", "la banane", "f", "die Banane", "банан", "m", "yellow"),
    ("lemon", "le citron", "m", "die Zitrone", "лимон", "m", "yellow"),
    ("sun", "le soleil", "m", "die Sonne", "солнце", "n", "yellow"),
    ("tomato", "la tomate", "f", "die Tomate", "помидор", "m", "red"),
    ("strawberry", "la fraise", "f", "die Erdbeere", "клубника", "f", "red"),
    ("blood", "le sang", "m", "das Blut", "кровь", "f", "red"),
    ("cherry", "la cerise", "f", "die Kirsche", "вишня", "f", "red"),
    ("apple", "la pomme", "f", "der Apfel", "яблоко", "n", "red"),
    ("grass", "l'herbe", "f", "das Gras", "трава", "f", "green"),
    ("leaf", "la feuille", "f", "das Blatt", "лист", "m", "green"),
    ("cucumber", "le concombre", "m", "die Gurke", "огурец", "m", "green"),
    ("sky", "le ciel", "m", "der Himmel", "небо", "n", "blue"),
    ("sea", "la mer", "f", "das Meer", "море", "n", "blue"),
    ("snow", "la neige", "f", "der Schnee", "снег", "m", "white"),
    ("milk", "le lait", "m", "die Milch", "молоко", "n", "white"),
    ("salt", "le sel", "m", "das Salz", "соль", "f", "white"),
    ("cloud", "le nuage", "m", "die Wolke", "облако", "n", "white"),
    ("coal", "le charbon", "m", "die Kohle", "уголь", "m", "black"),
    ("night", "la nuit", "f", "die Nacht", "ночь", "f", "black"),
    ("tyre", "le pneu", "m", "der Reifen", "шина", "f", "black"),
    ("carrot", "la carotte", "f", "die Karotte", "морковь", "f", "orange"),
    ("pumpkin", "la citrouille", "f", "der Kürbis", "тыква", "f", "orange"),
    ("chocolate", "le chocolat", "m", "die Schokolade", "шоколад", "m", "brown"),
    ("wood", "le bois", "m", "das Holz", "дерево", "n", "brown"),
    ("coffee", "le café", "m", "der Kaffee", "кофе", "m", "brown"),
    ("soil", "la terre", "f", "die Erde", "земля", "f", "brown"),
    ("stone", "la pierre", "f", "der Stein", "камень", "m", "grey"),
    ("ash", "la cendre", "f", "die Asche", "пепел", "m", "grey"),
    ("smoke", "la fumée", "f", "der Rauch", "дым", "m", "grey"),
    ("tongue", "la langue", "f", "die Zunge", "язык", "m", "pink"),
    ("shrimp", "la crevette", "f", "die Garnele", "креветка", "f", "pink"),
]

NUMBERS = {
    "en": "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(),
    "fr": "un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt".split(),
    "de": "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig".split(),
    "ru": "один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать двадцать".split(),
}
# Russian genitive of 1..19 (for "После N идёт M").
RU_NUM_GEN = "одного двух трёх четырёх пяти шести семи восьми девяти десяти одиннадцати двенадцати тринадцати четырнадцати пятнадцати шестнадцати семнадцати восемнадцати девятнадцати".split()
