//! `/accessibilite`: the accessibility statement (déclaration d'accessibilité, RGAA 4.1), open
//! to anyone, signed in or not. Partial compliance, with the known gaps, until an audit.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::fr;

#[component]
pub fn AccessibilityPage() -> impl IntoView {
    view! {
        <main class="statement">
            <p><A href="/">{fr::BACK_TO_APP}</A></p>
            <h1>{fr::A11Y_TITLE}</h1>
            <p>{fr::A11Y_COMMITMENT}</p>
            <p>{fr::A11Y_SCOPE}</p>
            <h2>{fr::A11Y_STATUS_TITLE}</h2>
            <p data-testid="a11y-status">{fr::A11Y_STATUS}</p>
            <h2>{fr::A11Y_GAPS_TITLE}</h2>
            <ul>
                {fr::A11Y_GAPS.iter().map(|gap| view! { <li>{*gap}</li> }).collect_view()}
            </ul>
            <h2>{fr::A11Y_DONE_TITLE}</h2>
            <ul>
                {fr::A11Y_DONE.iter().map(|done| view! { <li>{*done}</li> }).collect_view()}
            </ul>
            <h2>{fr::A11Y_ESTABLISHED_TITLE}</h2>
            <p>{fr::A11Y_ESTABLISHED}</p>
            <h2>{fr::A11Y_CONTACT_TITLE}</h2>
            <p>{fr::A11Y_CONTACT}</p>
            <h2>{fr::A11Y_REMEDY_TITLE}</h2>
            <p>{fr::A11Y_REMEDY}</p>
        </main>
    }
}
