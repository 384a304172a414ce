//! Quote and signature trimming against the forms real clients write, one table per language.

use super::display_text;

/// One language: the attribution lines its clients write (Gmail, Thunderbird, Apple; some
/// wrapped over two lines as Gmail does) and Outlook's reply header block.
struct Language {
    name: &'static str,
    attributions: &'static [&'static str],
    outlook: &'static str,
}

const LANGUAGES: &[Language] = &[
    Language {
        name: "English",
        attributions: &[
            "On Mon, 3 Feb 2025 at 10:00, Jane Doe <jane@example.com> wrote:",
            "On Mon, Feb 3, 2025 at 10:00 AM Jane Doe <jane@example.com>\nwrote:",
            "On 3 Feb 2025, at 10:00, Jane Doe <jane@example.com> wrote:",
            "On 03/02/2025 10:00, Jane Doe wrote:",
        ],
        outlook: "From: Support <support@shop.test>\nSent: Monday, February 3, 2025 10:00 AM\n\
                  To: Jane Doe <jane@example.com>\nCc: orders@shop.test\nSubject: RE: Order 12345",
    },
    Language {
        name: "Czech",
        attributions: &[
            "Dne 22. 01. 21 v 15:48 Jan Novák <jan@x.cz> napsal(a):",
            "po 3. 2. 2025 v 10:00 odesílatel Jan Novák <jan@x.cz>\nnapsal:",
            "Dne 3.2.2025 v 10:00 Jana Nováková napsala:",
        ],
        outlook: "Od: Podpora <podpora@obchod.cz>\nOdesláno: pondělí 3. února 2025 10:00\n\
                  Komu: Jan Novák <jan@x.cz>\nPředmět: RE: Objednávka 12345",
    },
    Language {
        name: "Slovak",
        attributions: &[
            "Dňa 3. 2. 2025 o 10:00 Ján Kováč <jan@x.sk> napísal(a):",
            "po 3. 2. 2025 o 10:00 Ján Kováč <jan@x.sk> napísal(a):",
        ],
        outlook: "Od: Podpora <podpora@obchod.sk>\nOdoslané: pondelok 3. februára 2025 10:00\n\
                  Komu: Ján Kováč\nPredmet: RE: Objednávka 12345",
    },
    Language {
        name: "Polish",
        attributions: &[
            "pon., 3 lut 2025 o 10:00 Jan Kowalski <jan@x.pl> napisał(a):",
            "W dniu 3.02.2025 o 10:00, Jan Kowalski pisze:",
        ],
        outlook: "Od: Obsługa klienta <obsluga@sklep.pl>\nWysłano: poniedziałek, 3 lutego 2025 10:00\n\
                  Do: Jan Kowalski\nTemat: RE: Zamówienie 12345",
    },
    Language {
        name: "German",
        attributions: &[
            "Am Mo., 3. Feb. 2025 um 10:00 Uhr schrieb Max Muster <max@x.de>:",
            "Am 03.02.2025 um 10:00 schrieb Max Muster:",
        ],
        outlook: "Von: Support <support@shop.de>\nGesendet: Montag, 3. Februar 2025 10:00\n\
                  An: Max Muster <max@x.de>\nBetreff: AW: Bestellung 12345",
    },
    Language {
        name: "French",
        attributions: &[
            "Le lun. 3 févr. 2025 à 10:00, Jean Dupont <jean@x.fr> a écrit :",
            "Le lun. 3 févr. 2025 à 10:00, Jean Dupont <jean@x.fr>\na écrit :",
        ],
        outlook: "De : Support <support@boutique.fr>\nEnvoyé : lundi 3 février 2025 10:00\n\
                  À : Jean Dupont\nObjet : RE: Commande 12345",
    },
    Language {
        name: "Spanish",
        attributions: &["El lun, 3 feb 2025 a las 10:00, Juan Pérez (<juan@x.es>) escribió:"],
        outlook: "De: Soporte <soporte@tienda.es>\nEnviado el: lunes, 3 de febrero de 2025 10:00\n\
                  Para: Juan Pérez\nAsunto: RE: Pedido 12345",
    },
    Language {
        name: "Italian",
        attributions: &[
            "Il giorno lun 3 feb 2025 alle ore 10:00 Mario Rossi <mario@x.it> ha scritto:",
        ],
        outlook: "Da: Assistenza <assistenza@negozio.it>\nInviato: lunedì 3 febbraio 2025 10:00\n\
                  A: Mario Rossi\nOggetto: R: Ordine 12345",
    },
    Language {
        name: "Dutch",
        attributions: &["Op ma 3 feb 2025 om 10:00 schreef Jan Jansen <jan@x.nl>:"],
        outlook: "Van: Support <support@winkel.nl>\nVerzonden: maandag 3 februari 2025 10:00\n\
                  Aan: Jan Jansen\nOnderwerp: RE: Bestelling 12345",
    },
    Language {
        name: "Portuguese",
        attributions: &["Em seg., 3 de fev. de 2025 às 10:00, João Silva <joao@x.pt> escreveu:"],
        outlook: "De: Suporte <suporte@loja.pt>\nEnviado: segunda-feira, 3 de fevereiro de 2025 10:00\n\
                  Para: João Silva\nAssunto: RE: Encomenda 12345",
    },
    Language {
        name: "Russian",
        attributions: &[
            "пн, 3 февр. 2025 г. в 10:00, Иван Петров <ivan@x.ru>:",
            "пн, 3 февр. 2025 г. в 10:00, Иван Петров\n<ivan@x.ru>:",
            "3 февраля 2025 г., в 10:00, Иван Петров писал(а):",
            "03.02.2025 10:00, Иван Петров пишет:",
        ],
        outlook: "От: Поддержка <support@magazin.ru>\nОтправлено: 3 февраля 2025 г. 10:00\n\
                  Кому: Иван Петров\nТема: RE: Заказ 12345",
    },
];

#[test]
fn attributions_in_every_language_introduce_quotes() {
    for language in LANGUAGES {
        for attribution in language.attributions {
            let top =
                format!("Reply text.\n\n{attribution}\n> What is your order number?\n> Thanks");
            assert_eq!(
                display_text(&top),
                "Reply text.",
                "{}: {attribution}",
                language.name
            );

            let bottom = format!(
                "Hello,\n\n{attribution}\n> What is your order number?\n>\n> Thanks\n\nSure, it is 12345."
            );
            assert_eq!(
                display_text(&bottom),
                "Hello,\n\n> What is your order number? …\n\nSure, it is 12345.",
                "{}: {attribution}",
                language.name
            );

            // Apple Mail and Outlook put the earlier mail under the attribution unquoted.
            let unquoted = format!("Reply text.\n\n{attribution}\n\nWhat is your order number?");
            assert_eq!(
                display_text(&unquoted),
                "Reply text.",
                "{}: {attribution}",
                language.name
            );
        }
    }
}

#[test]
fn outlook_header_blocks_in_every_language_end_the_reply() {
    for language in LANGUAGES {
        for separator in ["", "________________________________\n", "\n"] {
            let mail = format!(
                "Reply text.\n\nJane\n\n{separator}{}\n\nWhat is your order number?\n\nSupport",
                language.outlook
            );
            assert_eq!(
                display_text(&mail),
                "Reply text.\n\nJane",
                "{}: {separator:?}",
                language.name
            );
        }
        // Outlook's HTML part, converted to text, makes the labels bold.
        let bold = language
            .outlook
            .lines()
            .map(|line| match line.split_once(':') {
                Some((label, value)) => format!("*{label}:*{value}"),
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            display_text(&format!("Reply text.\n\n{bold}\n\nold")),
            "Reply text.",
            "{}",
            language.name
        );
    }
}

#[test]
fn original_and_forwarded_message_separators_end_the_reply() {
    for separator in [
        "-----Original Message-----",
        "-------- Original Message --------",
        "---------- Forwarded message ---------",
        "-----Ursprüngliche Nachricht-----",
        "---------- Weitergeleitete Nachricht ---------",
        "-----Původní zpráva-----",
        "-------- Přeposlaná zpráva --------",
        "-----Pôvodná správa-----",
        "---------- Wiadomość przekazana dalej ---------",
        "-------- Message d'origine --------",
        "-------- Message transféré --------",
        "---------- Mensaje reenviado ---------",
        "-------- Messaggio originale --------",
        "---------- Doorgestuurd bericht ---------",
        "---------- Mensagem encaminhada ---------",
        "-------- Исходное сообщение --------",
        "---------- Пересылаемое сообщение ---------",
        "Begin forwarded message:",
        "Anfang der weitergeleiteten Nachricht:",
        "Začátek přeposílané zprávy:",
        "Début du message réexpédié :",
    ] {
        let mail = format!("See below.\n\n{separator}\nSubject: Order\n\nold text");
        assert_eq!(display_text(&mail), "See below.", "{separator}");
    }
    // A forward with no note of the sender's own is shown whole.
    let forward =
        "---------- Forwarded message ---------\nFrom: Shop <s@shop.test>\nDate: Mon\n\nYour order";
    assert_eq!(display_text(forward), forward);
}

#[test]
fn interleaved_answers_keep_every_own_line() {
    let mail = "Hi,\n\nOn Mon, 3 Feb 2025 at 10:00, Support <support@shop.test> wrote:\n\
                > What is your order number?\n> We need it to look the order up.\n\n12345.\n\n\
                > And which colour did you order?\n\nThe blue one.\n\
                > Shall we send a new one?\nYes, please.\n\n-- \nJan Novák\n+420 123 456 789\n";
    assert_eq!(
        display_text(mail),
        "Hi,\n\n> What is your order number? …\n\n12345.\n\n> And which colour did you order?\n\n\
         The blue one.\n> Shall we send a new one?\nYes, please."
    );
}

#[test]
fn the_reported_bottom_posted_answer_is_kept() {
    let mail = "Hello,\n\nOn Mon, 3 Feb 2025 at 10:00, Support <support@shop.test> wrote:\n\
                > what is your order number?\n\nSure, it is 12345 and it has not arrived yet.\n";
    assert_eq!(
        display_text(mail),
        "Hello,\n\n> what is your order number?\n\nSure, it is 12345 and it has not arrived yet."
    );
}

#[test]
fn signatures_end_at_the_next_quote() {
    assert_eq!(
        display_text("Yes.\n-- \nJan\n\nOn Mon, 3 Feb 2025 at 10:00, S <s@x.test> wrote:\n> q"),
        "Yes."
    );
    for device in [
        "Sent from my iPhone",
        "Get Outlook for Android",
        "Odesláno z iPhonu",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
        "Verzonden vanaf mijn iPhone",
        "Enviado do meu iPhone",
        "Wysłane z iPhone'a",
        "Отправлено с iPhone",
    ] {
        assert_eq!(
            display_text(&format!("Yes.\n\n{device}")),
            "Yes.",
            "{device}"
        );
    }
    // A sentence that merely starts like one is the sender's.
    let sentence =
        "Sent from my account last week, the payment of 12 EUR never arrived at your shop.";
    assert_eq!(display_text(sentence), sentence);
}

#[test]
fn own_text_that_resembles_history_is_kept() {
    // No `>` lines follow and nothing dates it: the sender's own words.
    let mail = "I wrote to you on Monday:\n\nthe parcel never came.";
    assert_eq!(display_text(mail), mail);
    // A line of the sender's own right before an attribution is not part of it.
    assert_eq!(
        display_text("Thanks\nOn Mon, 3 Feb 2025 at 10:00, S <s@x.test> wrote:\n> q\nbye"),
        "Thanks\n> q\nbye"
    );
    assert_eq!(
        display_text("Sure, it is 12345\nJane wrote:\n> q\n\nbye"),
        "Sure, it is 12345\n> q\n\nbye"
    );
    let travel = "From: Prague\nTo: Brno\n\nWhen does the train leave?";
    assert_eq!(display_text(travel), travel);
}

#[test]
fn never_empty_when_the_mail_has_text() {
    for mail in [
        "> only a quote\n> and more",
        "On Mon, 3 Feb 2025 at 10:00, S <s@x.test> wrote:\n> q",
        "-- \nJan Novák",
        "Sent from my iPhone",
    ] {
        assert_eq!(display_text(mail), mail.trim(), "{mail}");
    }
    assert_eq!(display_text(""), "");
    assert_eq!(display_text("\n\n  \n"), "");
}
