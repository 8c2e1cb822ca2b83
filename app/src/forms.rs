//! Form pieces shared by the screens: fields bound to signals, with their error message under
//! them, and the part of the person file besides identity.

use jalon_domain::profile::{
    Answer, Education, Household, LabourMarket, PersonDetails, RsaFund, SelfEmployed, Sex,
};
use jalon_domain::text::{format_iso_date, parse_iso_date};
use jalon_domain::{FieldError, Invalid};
use leptos::prelude::*;
use time::Date;

use crate::components::{FieldInput, hint};
use crate::i18n::fr;

/// A `<select>` over a closed list of codes, with an empty first choice.
#[component]
pub fn SelectField(
    id: String,
    label: &'static str,
    /// `(code, label)` pairs.
    options: Vec<(&'static str, &'static str)>,
    value: RwSignal<String>,
    errors: RwSignal<Invalid>,
    /// Label of the empty choice.
    #[prop(default = "—")]
    empty: &'static str,
) -> impl IntoView {
    let field = StoredValue::new(id.clone());
    let message =
        move || errors.with(|e| field.with_value(|f| e.message_for(f).map(str::to_owned)));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                name=id
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-describedby=error_id.clone()
            >
                <option value="">{empty}</option>
                {options
                    .into_iter()
                    .map(|(code, label)| view! { <option value=code>{label}</option> })
                    .collect_view()}
            </select>
            <p class="field-error" aria-live="polite" id=error_id>{message}</p>
        </div>
    }
}

/// A text field whose id is built at run time (several forms of one kind on a page).
#[component]
pub fn InputField(
    id: String,
    /// The API field its errors refer to.
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<Invalid>,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let message = move || errors.with(|e| e.message_for(field).map(str::to_owned));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}{hint(kind)}</label>
            <FieldInput id=id.clone() name=field kind value
                invalid=Signal::derive(move || message().is_some())
                described_by=error_id.clone() />
            <p class="field-error" aria-live="polite" id=error_id>{message}</p>
        </div>
    }
}

/// A multi-line text field.
#[component]
pub fn TextArea(
    id: String,
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<Invalid>,
) -> impl IntoView {
    let message = move || errors.with(|e| e.message_for(field).map(str::to_owned));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea autocomplete="off"
                id=id
                rows="3"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=error_id.clone()
            ></textarea>
            <p class="field-error" aria-live="polite" id=error_id>{message}</p>
        </div>
    }
}

/// A checkbox with its label.
#[component]
pub fn CheckField(id: &'static str, label: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="field checkbox">
            <input autocomplete="off"
                id=id
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=id>{label}</label>
        </div>
    }
}

/// The `(code, label)` pairs of a closed list.
pub fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v))).collect()
}

/// Parses a required date field; a message on `field` when it does not parse.
pub fn required_date(field: &str, value: &str, invalid: &mut Invalid) -> Option<Date> {
    let date = parse_iso_date(value);
    if date.is_none() {
        invalid.push(FieldError::new(field, "invalid_date", fr::INVALID_DATE));
    }
    date
}

/// Parses an optional date field: empty is `None`, anything else must be a date.
pub fn optional_date(field: &str, value: &str, invalid: &mut Invalid) -> Option<Date> {
    if value.trim().is_empty() {
        None
    } else {
        required_date(field, value, invalid)
    }
}

/// Adds the domain's errors to those of the form, keeping a parsing message first.
pub fn merge_errors(invalid: &mut Invalid, rules: Invalid) {
    for error in rules.errors {
        if invalid.message_for(&error.field).is_none() {
            invalid.push(error);
        }
    }
}

/// The value the domain's rules accepted when the form itself found nothing wrong (`invalid`);
/// otherwise `None`, with every reason — the form's and the rules' — shown in `errors`.
pub fn accepted<T>(
    mut invalid: Invalid,
    checked: Result<T, Invalid>,
    errors: RwSignal<Invalid>,
) -> Option<T> {
    match checked {
        Ok(value) if invalid.errors.is_empty() => {
            errors.set(Invalid::default());
            Some(value)
        }
        Ok(_) => {
            errors.set(invalid);
            None
        }
        Err(rules) => {
            merge_errors(&mut invalid, rules);
            errors.set(invalid);
            None
        }
    }
}

/// The signals of the person-file fields besides identity.
#[derive(Clone, Copy)]
pub struct DetailsForm {
    birth_name: RwSignal<String>,
    sex: RwSignal<String>,
    phone: RwSignal<String>,
    email: RwSignal<String>,
    address: RwSignal<String>,
    household: RwSignal<String>,
    children: RwSignal<String>,
    rsa_fund: RwSignal<String>,
    allocataire: RwSignal<String>,
    rsa_since: RwSignal<String>,
    rights_and_duties: RwSignal<bool>,
    education: RwSignal<String>,
    labour_market: RwSignal<String>,
    self_employed: RwSignal<String>,
    /// The FSE entry questions, in [`FSE_QUESTIONS`]' order.
    answers: [RwSignal<String>; 5],
}

/// The FSE entry questions: the field, its label, and whether it is sensitive (optional,
/// never listed as missing).
const FSE_QUESTIONS: [(&str, &str, bool); 5] = [
    ("disability", fr::DISABILITY, true),
    ("third_country_national", fr::THIRD_COUNTRY_NATIONAL, false),
    ("foreign_background", fr::FOREIGN_BACKGROUND, false),
    ("minority", fr::MINORITY, true),
    ("homeless", fr::HOMELESS, false),
];

fn answers_of(d: &PersonDetails) -> [Option<Answer>; 5] {
    [
        d.disability,
        d.third_country_national,
        d.foreign_background,
        d.minority,
        d.homeless,
    ]
}

fn code<T: Copy>(value: Option<T>, as_str: fn(T) -> &'static str) -> String {
    value.map(as_str).unwrap_or_default().to_owned()
}

impl DetailsForm {
    pub fn new(d: &PersonDetails) -> DetailsForm {
        DetailsForm {
            birth_name: RwSignal::new(d.birth_name.clone()),
            sex: RwSignal::new(code(d.sex, Sex::as_str)),
            phone: RwSignal::new(d.phone.clone()),
            email: RwSignal::new(d.email.clone()),
            address: RwSignal::new(d.address.clone()),
            household: RwSignal::new(code(d.household, Household::as_str)),
            children: RwSignal::new(d.children.to_string()),
            rsa_fund: RwSignal::new(code(d.rsa_fund, RsaFund::as_str)),
            allocataire: RwSignal::new(d.allocataire.clone()),
            rsa_since: RwSignal::new(d.rsa_since.map(format_iso_date).unwrap_or_default()),
            rights_and_duties: RwSignal::new(d.rights_and_duties),
            education: RwSignal::new(code(d.education, Education::as_str)),
            labour_market: RwSignal::new(code(d.labour_market, LabourMarket::as_str)),
            self_employed: RwSignal::new(code(d.self_employed, SelfEmployed::as_str)),
            answers: answers_of(d).map(|a| RwSignal::new(code(a, Answer::as_str))),
        }
    }

    /// Puts `d` back in the fields.
    pub fn set(&self, d: &PersonDetails) {
        let fresh = DetailsForm::new(d);
        let copy = |to: RwSignal<String>, from: RwSignal<String>| to.set(from.get_untracked());
        copy(self.birth_name, fresh.birth_name);
        copy(self.sex, fresh.sex);
        copy(self.phone, fresh.phone);
        copy(self.email, fresh.email);
        copy(self.address, fresh.address);
        copy(self.household, fresh.household);
        copy(self.children, fresh.children);
        copy(self.rsa_fund, fresh.rsa_fund);
        copy(self.allocataire, fresh.allocataire);
        copy(self.rsa_since, fresh.rsa_since);
        self.rights_and_duties.set(d.rights_and_duties);
        copy(self.education, fresh.education);
        copy(self.labour_market, fresh.labour_market);
        copy(self.self_employed, fresh.self_employed);
        for (to, from) in self.answers.iter().zip(fresh.answers) {
            copy(*to, from);
        }
    }

    /// The details typed; fields that do not parse get a message in `invalid`.
    pub fn read(&self, invalid: &mut Invalid) -> PersonDetails {
        let children = self.children.get_untracked();
        let children = if children.trim().is_empty() {
            0
        } else {
            children.trim().parse::<i64>().unwrap_or_else(|_| {
                invalid.push(FieldError::new(
                    "children",
                    "not_a_number",
                    fr::NOT_A_NUMBER,
                ));
                0
            })
        };
        let answer = |i: usize| Answer::parse(&self.answers[i].get_untracked());
        PersonDetails {
            birth_name: self.birth_name.get_untracked(),
            sex: Sex::parse(&self.sex.get_untracked()),
            phone: self.phone.get_untracked(),
            email: self.email.get_untracked(),
            address: self.address.get_untracked(),
            household: Household::parse(&self.household.get_untracked()),
            children,
            rsa_fund: RsaFund::parse(&self.rsa_fund.get_untracked()),
            allocataire: self.allocataire.get_untracked(),
            rsa_since: optional_date("rsa_since", &self.rsa_since.get_untracked(), invalid),
            rights_and_duties: self.rights_and_duties.get_untracked(),
            education: Education::parse(&self.education.get_untracked()),
            labour_market: LabourMarket::parse(&self.labour_market.get_untracked()),
            self_employed: SelfEmployed::parse(&self.self_employed.get_untracked()),
            disability: answer(0),
            third_country_national: answer(1),
            foreign_background: answer(2),
            minority: answer(3),
            homeless: answer(4),
        }
    }
}

/// Birth name and sex: drawn inside the identity part of a form.
#[component]
pub fn BirthNameAndSex(form: DetailsForm, errors: RwSignal<Invalid>) -> impl IntoView {
    view! {
        <InputField id="birth_name".into() field="birth_name" label=fr::BIRTH_NAME value=form.birth_name errors />
        <SelectField
            id="sex".into()
            label=fr::SEX
            options=options(Sex::ALL, Sex::as_str, Sex::label_fr)
            value=form.sex
            errors
        />
    }
}

/// Contact, household, RSA, education and employment.
#[component]
pub fn DetailsFields(form: DetailsForm, errors: RwSignal<Invalid>) -> impl IntoView {
    view! {
        <fieldset>
            <legend>{fr::CONTACT}</legend>
            <InputField id="phone".into() field="phone" label=fr::PHONE value=form.phone errors kind="tel" />
            <InputField id="email".into() field="email" label=fr::EMAIL value=form.email errors kind="email" />
            <InputField id="address".into() field="address" label=fr::ADDRESS value=form.address errors />
        </fieldset>
        <fieldset>
            <legend>{fr::HOUSEHOLD}</legend>
            <SelectField
                id="household".into()
                label=fr::HOUSEHOLD_SITUATION
                options=options(Household::ALL, Household::as_str, Household::label_fr)
                value=form.household
                errors
            />
            <InputField id="children".into() field="children" label=fr::CHILDREN value=form.children errors kind="number" />
        </fieldset>
        <fieldset>
            <legend>{fr::RSA}</legend>
            <SelectField
                id="rsa_fund".into()
                label=fr::RSA_FUND
                options=options(RsaFund::ALL, RsaFund::as_str, RsaFund::label_fr)
                value=form.rsa_fund
                errors
            />
            <InputField id="allocataire".into() field="allocataire" label=fr::ALLOCATAIRE value=form.allocataire errors />
            <InputField id="rsa_since".into() field="rsa_since" label=fr::RSA_SINCE value=form.rsa_since errors kind="date" />
            <CheckField id="rights_and_duties" label=fr::RIGHTS_AND_DUTIES value=form.rights_and_duties />
        </fieldset>
        <fieldset>
            <legend>{fr::EDUCATION_AND_WORK}</legend>
            <SelectField
                id="education".into()
                label=fr::EDUCATION
                options=options(Education::ALL, Education::as_str, Education::label_fr)
                value=form.education
                errors
            />
            <SelectField
                id="labour_market".into()
                label=fr::LABOUR_MARKET
                options=options(LabourMarket::ALL, LabourMarket::as_str, LabourMarket::label_fr)
                value=form.labour_market
                errors
            />
            <SelectField
                id="self_employed".into()
                label=fr::SELF_EMPLOYED
                options=options(SelfEmployed::ALL, SelfEmployed::as_str, SelfEmployed::label_fr)
                value=form.self_employed
                errors
            />
        </fieldset>
        <fieldset class="fse-answers">
            <legend>{fr::FSE_ENTRY_DATA}</legend>
            <p class="hint">{fr::FSE_ENTRY_HINT}</p>
            {FSE_QUESTIONS
                .into_iter()
                .zip(form.answers)
                .map(|((id, label, sensitive), value)| view! {
                    <SelectField
                        id=id.to_owned()
                        label
                        options=options(Answer::ALL, Answer::as_str, Answer::label_fr)
                        value
                        errors
                        empty=if sensitive { fr::NOT_ASKED_SENSITIVE } else { fr::NOT_ASKED }
                    />
                })
                .collect_view()}
        </fieldset>
    }
}
